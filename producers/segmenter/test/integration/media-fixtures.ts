// Generates small media files with ffmpeg for the integration tests, and lists this
// process's child processes so tests can prove no ffmpeg outlives its iteration.

import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { JobRequested } from "@lingostream/schemas";

const run = promisify(execFile);

export async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "lingostream-segmenter-"));
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Runs ffmpeg with `args` (inputs and output included) and returns the output path. */
export async function ffmpeg(output: string, ...args: string[]): Promise<string> {
  await run("ffmpeg", ["-nostdin", "-v", "error", "-y", ...args, output]);
  return output;
}

/**
 * A stereo 440 Hz tone at `sampleRate` that is silent during each [from, to] second
 * range, as an aevalsrc source for ffmpeg `-f lavfi -i`.
 */
export function toneWithGaps(seconds: number, gaps: Array<[number, number]>, sampleRate = 48000): string {
  const gate = gaps.map(([from, to]) => `not(between(t,${from},${to}))`).join("*") || "1";
  const expr = `0.5*sin(2*PI*440*t)*${gate}`;
  return `aevalsrc=exprs='${expr}|${expr}':s=${sampleRate}:d=${seconds}`;
}

/** Child processes of this process (pid, command name), from /proc. */
export async function childProcesses(): Promise<Array<{ pid: number; name: string }>> {
  const children: Array<{ pid: number; name: string }> = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid ..." where comm may itself contain spaces or parentheses.
    const close = stat.lastIndexOf(")");
    const ppid = Number(stat.slice(close + 2).split(" ")[1]);
    if (ppid === process.pid) children.push({ pid: Number(entry), name: stat.slice(stat.indexOf("(") + 1, close) });
  }
  return children;
}

export async function ffmpegChildren(): Promise<Array<{ pid: number; name: string }>> {
  return (await childProcesses()).filter((child) => child.name.startsWith("ffmpeg") || child.name.startsWith("ffprobe"));
}

/** A request to segment the local file `media` (tenant "it", the deterministic engine). */
export function jobFor(media: string, jobId: string): JobRequested {
  return { tenant: "it", jobId, source: media, sourceName: "tone.wav", language: "en", engine: "deterministic", producerId: "test", eventTime: Date.now() };
}
