// Streams any ffmpeg-readable input as 16-bit mono PCM without ever holding more
// than the read-ahead of it; the ffmpeg child dies with the iteration, however it ends.

import { spawn } from "node:child_process";
import { PassThrough, pipeline } from "node:stream";
import { type MediaInput, redactInput, resolveInput } from "./media-input.ts";
import { SegmenterError } from "./segmenter-error.ts";
import { StderrTail } from "./stderr-tail.ts";

export interface DecodeOptions {
  /** Output rate in Hz (default 16000, what ASR models expect). */
  sampleRate?: number;
  signal?: AbortSignal;
  ffmpegPath?: string;
  /** How much of ffmpeg's stderr a 'decode-failed' error carries (default 2048 bytes). */
  stderrTailBytes?: number;
  /**
   * PCM that ffmpeg may decode ahead of the reader (default 64 KiB, about a pipe's
   * worth). More keeps ffmpeg decoding while the reader awaits something else (an
   * upload) instead of stalling on a full pipe, at that much memory; a reader that
   * stops reading still stops ffmpeg once it is full.
   */
  readAheadBytes?: number;
}

/**
 * s16le mono chunks of arbitrary size (not sample-aligned in principle; in practice
 * pipe reads are even). The child is spawned on the first `next()`, not on call.
 */
export function decodePcmStream(input: MediaInput, options: DecodeOptions = {}): AsyncGenerator<Buffer, void, undefined> {
  const resolved = resolveInput(input);
  const sampleRate = options.sampleRate ?? 16_000;
  if (!Number.isInteger(sampleRate) || sampleRate < 1000 || sampleRate > 384_000) {
    throw new RangeError(`sampleRate must be an integer from 1000 to 384000 Hz (got ${sampleRate})`);
  }
  const args = [
    "-nostdin",
    "-v",
    "error",
    "-protocol_whitelist",
    resolved.protocols,
    // A dropped HTTP read would otherwise end the stream early and quietly.
    ...(resolved.localPath === undefined ? ["-reconnect", "1", "-reconnect_streamed", "1", "-reconnect_on_network_error", "1", "-reconnect_delay_max", "5"] : []),
    "-i",
    resolved.arg,
    // Pin the stream probeMedia describes; ffmpeg's own pick prefers the most channels.
    "-map",
    "0:a:0",
    "-vn",
    "-ac",
    "1",
    "-ar",
    String(sampleRate),
    "-f",
    "s16le",
    "-",
  ];
  return run(options.ffmpegPath ?? "ffmpeg", args, (text) => redactInput(text, resolved), resolved.label, options);
}

async function* run(
  command: string,
  args: string[],
  redact: (text: string) => string,
  label: string,
  options: DecodeOptions,
): AsyncGenerator<Buffer, void, undefined> {
  const signal = options.signal;
  signal?.throwIfAborted();

  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
  const stderr = new StderrTail(options.stderrTailBytes ?? 2048);
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  // Registered before anything can fail so the exit is never missed; 'close' also
  // fires after a failed spawn.
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (code, exitSignal) => resolve({ code, signal: exitSignal }));
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  signal?.addEventListener("abort", kill, { once: true });

  const pcm = new PassThrough({ readableHighWaterMark: options.readAheadBytes ?? 64 * 1024 });
  // A read error reaches the loop below through pcm; leaving the loop early destroys
  // both streams, and the premature close it reports is that, not a failure.
  pipeline(child.stdout, pcm, () => {});

  try {
    for await (const chunk of pcm) {
      yield chunk as Buffer;
      // The consumer may have been suspended for a while; don't hand out data
      // that was already buffered once the caller gave up.
      signal?.throwIfAborted();
    }
    const exit = await closed;
    signal?.throwIfAborted();
    if (spawnError !== undefined) {
      throw new SegmenterError("io", `could not run ffmpeg for ${label}: ${spawnError.message}`, {
        input: label,
        cause: spawnError,
      });
    }
    if (exit.code !== 0) {
      const stderrTail = redact(stderr.text());
      const how = exit.code === null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      const complaint = redact(stderr.lastLine());
      throw new SegmenterError(
        "decode-failed",
        `ffmpeg could not decode ${label} (${how})${complaint ? `: ${complaint}` : ""}`,
        { input: label, stderrTail },
      );
    }
  } finally {
    signal?.removeEventListener("abort", kill);
    kill();
    // Wait for the reap so "iteration finished" really means "no child left".
    await closed;
  }
}
