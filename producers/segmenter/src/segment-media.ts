// The segmenter end to end: probe, decode as a stream, cut, and hand out segments one
// at a time, with memory bounded by about two segments (the one handed out, the
// next one decoding ahead) and no ffmpeg left behind.

import type { CutOptions } from "./cut-options.ts";
import { type PcmSegment, SegmentCutter } from "./cut-planner.ts";
import { decodePcmStream } from "./decode.ts";
import { type MediaInput, resolveInput } from "./media-input.ts";
import { checkDecodedSeconds, checkProbedMedia, type MediaLimits } from "./media-limits.ts";
import { type MediaInfo, probeMedia } from "./probe.ts";
import { SegmenterError } from "./segmenter-error.ts";
import { isSilentPcm, meanSquareOfDb, SILENT_SEGMENT_DB } from "./silence.ts";

export interface SegmentMediaOptions {
  /** Where to cut; the rate is fixed at 16 kHz here. */
  cut?: Omit<CutOptions, "sampleRate">;
  signal?: AbortSignal;
  probeTimeoutMs?: number;
  /**
   * Awaited before each segment is handed out; while it is pending nothing more is
   * decoded past the read-ahead (ffmpeg blocks on its full pipe), so it works as
   * memory backpressure.
   */
  shouldPause?: () => Promise<void>;
  /** Media over these is refused from the probe, before anything is decoded, and stopped while decoding past them. */
  limits?: MediaLimits;
  /** A segment whose every frame is quieter than this (RMS, dBFS) is marked silent (default SILENT_SEGMENT_DB). */
  silentBelowDb?: number;
  /** Receives the probe result before the first segment (e.g. to record duration). */
  onProbe?: (info: MediaInfo) => void | Promise<void>;
  ffmpegPath?: string;
  ffprobePath?: string;
}

export interface MediaSegment {
  index: number;
  startSeconds: number;
  endSeconds: number;
  /** Exact positions at sampleRate; use these, not the seconds, to check tiling. */
  startSample: number;
  endSample: number;
  /** s16le mono. */
  pcm: Buffer;
  /** Every frame under silentBelowDb: nothing for ASR to hear. */
  silent: boolean;
  sampleRate: 16000;
  channels: 1;
}

const SAMPLE_RATE = 16_000;

/**
 * Options are validated on call (RangeError), before anything is spawned. Media
 * problems surface as SegmenterError from the iteration.
 */
export function segmentMedia(input: MediaInput, options: SegmentMediaOptions = {}): AsyncGenerator<MediaSegment, void, undefined> {
  const { signal, probeTimeoutMs, shouldPause, onProbe, limits, ffmpegPath, ffprobePath } = options;
  const cutter = new SegmentCutter({ ...options.cut, sampleRate: SAMPLE_RATE });
  const silentMeanSquare = meanSquareOfDb(options.silentBelowDb ?? SILENT_SEGMENT_DB);
  const pcm = decodePcmStream(input, {
    sampleRate: SAMPLE_RATE,
    // While a segment is uploaded and announced, ffmpeg decodes the next one instead
    // of waiting on a full pipe: decoding and the segment's I/O overlap.
    readAheadBytes: cutter.plan.targetSamples * 2,
    ...(signal === undefined ? {} : { signal }),
    ...(ffmpegPath === undefined ? {} : { ffmpegPath }),
  });
  return run(input, cutter, pcm, { signal, probeTimeoutMs, shouldPause, onProbe, limits, ffprobePath, silentMeanSquare });
}

interface RunOptions {
  signal: AbortSignal | undefined;
  probeTimeoutMs: number | undefined;
  shouldPause: (() => Promise<void>) | undefined;
  onProbe: ((info: MediaInfo) => void | Promise<void>) | undefined;
  limits: MediaLimits | undefined;
  ffprobePath: string | undefined;
  silentMeanSquare: number;
}

async function* run(
  input: MediaInput,
  cutter: SegmentCutter,
  pcm: AsyncGenerator<Buffer, void, undefined>,
  options: RunOptions,
): AsyncGenerator<MediaSegment, void, undefined> {
  const { signal, shouldPause } = options;
  try {
    const info = await probeMedia(input, {
      ...(signal === undefined ? {} : { signal }),
      ...(options.probeTimeoutMs === undefined ? {} : { timeoutMs: options.probeTimeoutMs }),
      ...(options.ffprobePath === undefined ? {} : { ffprobePath: options.ffprobePath }),
    });
    const label = resolveInput(input).label;
    // Before the decoder's first read: over-limit media costs a probe, nothing more.
    if (options.limits !== undefined) checkProbedMedia(info, options.limits, label);
    await options.onProbe?.(info);

    const ready = async (): Promise<void> => {
      if (shouldPause !== undefined) await untilAborted(shouldPause(), signal);
      signal?.throwIfAborted();
    };
    let decodedBytes = 0;
    for await (const chunk of pcm) {
      decodedBytes += chunk.byteLength;
      if (options.limits !== undefined) checkDecodedSeconds(decodedBytes / 2 / SAMPLE_RATE, options.limits, label);
      for (const segment of cutter.push(chunk)) {
        await ready();
        yield toMediaSegment(segment, cutter, options.silentMeanSquare);
      }
    }
    // ffmpeg exits 0 when its input simply stops (a dropped HTTP read, a cut
    // file): check before the last cut so a short read never becomes a
    // complete-looking job.
    assertDecodedWhole(input, info, decodedBytes / 2 / SAMPLE_RATE);
    for (const segment of cutter.flush()) {
      await ready();
      yield toMediaSegment(segment, cutter, options.silentMeanSquare);
    }
  } finally {
    // Covers every exit: probe failure (child never spawned), consumer break, throw, abort.
    await pcm.return(undefined);
  }
}

/** Containers whose probed duration is exact, not estimated from a bitrate. */
const EXACT_DURATION_FORMATS = /^(wav|flac|aiff|w64|caf)$/;

export function assertDecodedWhole(input: MediaInput, info: MediaInfo, decodedSeconds: number): void {
  // Only the audio stream's duration says how much audio there is to decode.
  const expected = info.audioDurationSeconds;
  if (expected === null || expected <= 0) return;
  const exact = info.formatName.split(",").some((f) => EXACT_DURATION_FORMATS.test(f));
  const tolerance = exact ? Math.max(0.25, expected * 0.002) : Math.max(1, expected * 0.03);
  if (decodedSeconds < expected - tolerance) {
    const label = resolveInput(input).label;
    throw new SegmenterError(
      "decode-failed",
      `${label}: decoded ${decodedSeconds.toFixed(2)} s of ${expected.toFixed(2)} s; the input ended early`,
      { input: label },
    );
  }
}

function toMediaSegment(segment: PcmSegment, cutter: SegmentCutter, silentMeanSquare: number): MediaSegment {
  return {
    index: segment.index,
    startSeconds: segment.startSample / SAMPLE_RATE,
    endSeconds: segment.endSample / SAMPLE_RATE,
    startSample: segment.startSample,
    endSample: segment.endSample,
    pcm: segment.pcm,
    silent: isSilentPcm(segment.pcm, cutter.plan.frameSamples, silentMeanSquare),
    sampleRate: SAMPLE_RATE,
    channels: 1,
  };
}

/** Lets an abort interrupt a pause that would otherwise never settle. */
function untilAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
