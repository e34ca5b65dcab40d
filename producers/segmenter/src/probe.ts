// Asks ffprobe what a file or URL holds, turning "not media" and "no audio" into
// SegmenterErrors before any decoding is attempted.

import { stat } from "node:fs/promises";
import { type MediaInput, redactInput, type ResolvedInput, resolveInput } from "./media-input.ts";
import { runTool } from "./run-tool.ts";
import { SegmenterError } from "./segmenter-error.ts";

export interface MediaInfo {
  /** From the container, else the audio stream; null when neither states it (raw streams). */
  durationSeconds: number | null;
  /** The audio stream's own duration where stated; a video track can make the container longer. */
  audioDurationSeconds: number | null;
  hasAudio: boolean;
  /** Describes the first audio stream, the one decodePcmStream decodes. */
  audioCodec: string | null;
  sampleRate: number | null;
  channels: number | null;
  formatName: string;
}

export interface ProbeOptions {
  /** ffprobe is killed after this long (default 30 s); slow remote inputs need more. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Throw 'no-audio' when the input has no audio stream (default true). */
  requireAudio?: boolean;
  ffprobePath?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
// ffprobe's JSON grows with stream count only; anything near this is not media we want.
const MAX_JSON_BYTES = 8 * 1024 * 1024;
// ffprobe says these when it could not read the bytes at all, as opposed to reading
// bytes it could not understand.
const IO_FAILURE =
  /No such file|Permission denied|Is a directory|Connection refused|Connection reset|Connection timed out|Server returned|Network is unreachable|Failed to resolve|Name or service not known|I\/O error|Input\/output error/i;

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  sample_rate?: string;
  channels?: number;
  duration?: string;
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string };
}

export async function probeMedia(input: MediaInput, options: ProbeOptions = {}): Promise<MediaInfo> {
  const resolved = resolveInput(input);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0 (got ${timeoutMs})`);
  options.signal?.throwIfAborted();
  if (resolved.localPath !== undefined) await checkLocalFile(resolved);

  const result = await runTool(
    options.ffprobePath ?? "ffprobe",
    [
      "-v",
      "error",
      "-protocol_whitelist",
      resolved.protocols,
      "-print_format",
      "json",
      "-show_format",
      "-show_streams",
      resolved.arg,
    ],
    { timeoutMs, signal: options.signal, maxStdoutBytes: MAX_JSON_BYTES },
  );
  options.signal?.throwIfAborted();

  const label = resolved.label;
  const stderrTail = redactInput(result.stderr.text(), resolved);
  const complaint = redactInput(result.stderr.lastLine(), resolved);
  if (result.spawnError !== undefined) {
    throw new SegmenterError("io", `could not run ffprobe for ${label}: ${result.spawnError.message}`, {
      input: label,
      cause: result.spawnError,
    });
  }
  if (result.timedOut) {
    throw new SegmenterError("io", `ffprobe timed out after ${timeoutMs} ms on ${label}`, { input: label, stderrTail });
  }
  if (result.stdoutOverflow) {
    throw new SegmenterError("not-media", `ffprobe output for ${label} exceeds ${MAX_JSON_BYTES} bytes`, {
      input: label,
    });
  }
  if (result.exitCode !== 0) {
    const code = IO_FAILURE.test(stderrTail) ? "io" : "not-media";
    const what = code === "io" ? "could not read" : "is not a readable media file";
    const reason = complaint || `ffprobe exited with ${result.exitCode ?? result.exitSignal}`;
    throw new SegmenterError(code, `${label} ${what}: ${reason}`, { input: label, stderrTail });
  }

  let parsed: FfprobeOutput;
  try {
    parsed = JSON.parse(result.stdout.toString("utf8")) as FfprobeOutput;
  } catch (error) {
    throw new SegmenterError("not-media", `ffprobe gave unreadable output for ${label}`, { input: label, cause: error });
  }
  return toMediaInfo(parsed, label, options.requireAudio ?? true);
}

async function checkLocalFile(resolved: ResolvedInput): Promise<void> {
  const path = resolved.localPath ?? resolved.label;
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : "cannot be read";
    throw new SegmenterError("io", `${path} ${reason}`, { input: path, cause: error });
  }
  if (!info.isFile()) throw new SegmenterError("io", `${path} is not a regular file`, { input: path });
  if (info.size === 0) throw new SegmenterError("not-media", `${path} is empty (0 bytes)`, { input: path });
}

function toMediaInfo(output: FfprobeOutput, label: string, requireAudio: boolean): MediaInfo {
  const streams = output.streams ?? [];
  const formatName = output.format?.format_name;
  if (formatName === undefined || streams.length === 0) {
    throw new SegmenterError("not-media", `${label} is not a media file: ffprobe found no streams`, { input: label });
  }
  const audio = streams.find((stream) => stream.codec_type === "audio");
  if (audio === undefined && requireAudio) {
    const kinds = [...new Set(streams.map((stream) => stream.codec_type ?? "unknown"))].join(", ");
    throw new SegmenterError("no-audio", `${label} has no audio stream (found: ${kinds})`, { input: label });
  }
  return {
    durationSeconds: nonNegativeNumber(output.format?.duration) ?? nonNegativeNumber(audio?.duration),
    audioDurationSeconds: nonNegativeNumber(audio?.duration),
    hasAudio: audio !== undefined,
    audioCodec: audio?.codec_name ?? null,
    sampleRate: nonNegativeNumber(audio?.sample_rate),
    channels: audio?.channels ?? null,
    formatName,
  };
}

// ffprobe prints numbers as strings and uses "N/A" or omits them when unknown.
function nonNegativeNumber(value: string | undefined): number | null {
  if (value === undefined) return null;
  const number = Number(value);
  return Number.isFinite(number) && number >= 0 ? number : null;
}
