// The bad-input corpus's media, generated at test time (nothing checked in):
// ffmpeg renders tones, silence and a video without audio; Buffer code writes
// empty, truncated and random files and the hostile file names.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { encodeWav } from "@lingostream/runtime";

const run = promisify(execFile);

async function ffmpeg(output: string, ...args: string[]): Promise<string> {
  await run("ffmpeg", ["-nostdin", "-v", "error", "-y", ...args, output]);
  return output;
}

/** A 440 Hz tone: what the test engine turns into one word per second. */
let tones = 0;

/** A tone of its own pitch on every call: a job is its media's content, so each file must differ to be a job of its own. */
export function tone(path: string, options: { seconds?: number; sampleRate?: number; channels?: number } = {}): Promise<string> {
  const { seconds = 3, sampleRate = 16_000, channels = 1 } = options;
  const frequency = 300 + 5 * (tones++ % 200);
  return ffmpeg(path, "-f", "lavfi", "-i", `sine=frequency=${frequency}:sample_rate=${sampleRate}:duration=${seconds}`, "-ac", String(channels), "-c:a", "pcm_s16le");
}

/** Digital silence as FLAC: an hour is under a megabyte on disk and decodes in seconds. */
export function silence(path: string, seconds: number): Promise<string> {
  return ffmpeg(path, "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", String(seconds), "-c:a", "flac");
}

/** An MPEG-4 file with one video stream and no audio stream. */
export function videoWithoutAudio(path: string): Promise<string> {
  return ffmpeg(path, "-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=2", "-an", "-c:v", "mpeg4");
}

export async function zeroBytes(path: string): Promise<string> {
  await writeFile(path, Buffer.alloc(0));
  return path;
}

/** A WAV cut inside its fmt chunk: RIFF/WAVE magic present, no format, no data. */
export async function truncatedWavHeader(path: string): Promise<string> {
  await writeFile(path, encodeWav(Buffer.alloc(3200), 16_000, 1).subarray(0, 30));
  return path;
}

/** Bytes from a fixed seed, so what ffprobe makes of them is the same on every run. */
export function seededBytes(length: number, seed: string): Buffer {
  const out = Buffer.alloc(length);
  for (let block = 0, at = 0; at < length; block++, at += 32) {
    createHash("sha256").update(`${seed}:${block}`).digest().copy(out, at);
  }
  return out;
}

export async function randomBytesFile(path: string, length = 64 * 1024): Promise<string> {
  await writeFile(path, seededBytes(length, "bad-input-random"));
  return path;
}

/** 16 kHz mono s16le PCM of a tone, for segments built by hand. */
export function tonePcm(seconds: number, sampleRate = 16_000, channels = 1): Buffer {
  const frames = Math.round(seconds * sampleRate);
  const pcm = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(12_000 * Math.sin((2 * Math.PI * 440 * i) / sampleRate));
    for (let c = 0; c < channels; c++) pcm.writeInt16LE(v, (i * channels + c) * 2);
  }
  return pcm;
}

/**
 * A folder holding one tone whose file name is not valid UTF-8 (bytes 0xff 0xfe
 * and a lone continuation byte). Node can only name such a file with a Buffer path;
 * the folder is what a user would pass, since no argv string can spell the name.
 */
export async function nonUtf8NamedTone(dir: string): Promise<{ dir: string; rawName: Buffer }> {
  await mkdir(dir, { recursive: true });
  const rawName = Buffer.concat([Buffer.from("caf"), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from("-tone.wav")]);
  const staging = await tone(join(dir, "staging.wav"));
  await writeFile(Buffer.concat([Buffer.from(`${dir}/`), rawName]), await readFile(staging));
  await rm(staging);
  return { dir, rawName };
}

/** A name of exactly `bytes` bytes (ext included), near the 255-byte limit of most file systems. */
export function longName(bytes: number, ext = ".wav"): string {
  return `${"long-name-".repeat(Math.ceil(bytes / 10)).slice(0, bytes - ext.length)}${ext}`;
}
