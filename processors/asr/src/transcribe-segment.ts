// One segment's work, free of Kafka: fetch the claim-checked audio, verify it,
// transcribe, sanitize, shift to media time. Throws on failure; the processor
// turns failures into dead letters. The audio lives in a buffer of a bounded
// pool, owned by a handle that goes back on every path, errors and aborts included.

import { createHash, type Hash } from "node:crypto";
import { addAbortSignal, type Readable } from "node:stream";
import { type BufferHandle, type BufferPool, type ObjectStore, PipelineError, parseWav } from "@lingostream/runtime";
import type { AudioSegment, SegmentTranscribed } from "@lingostream/schemas";
import type { AsrEngine } from "./engines/engine.ts";
import { sanitizeWords, shiftWords } from "./sanitize.ts";

export interface TranscribeDeps {
  store: Pick<ObjectStore, "bucket" | "getStream" | "classify">;
  /** Where segment audio lives while it is worked on; bounds audio memory per process. */
  pool: BufferPool;
  maxSegmentBytes: number;
  timeoutMs: number;
  producerId: string;
  now: () => number;
}

export interface TranscribeOutcome {
  event: SegmentTranscribed;
  audioSeconds: number;
  engineMs: number;
}

/**
 * Loads the segment's audio into a pooled buffer: inline bytes when present,
 * else the claim check; size and sha256 verified either way. The caller owns
 * the returned handle; on failure nothing stays held.
 */
export async function loadSegmentAudio(
  segment: AudioSegment,
  deps: Pick<TranscribeDeps, "store" | "pool" | "maxSegmentBytes">,
  signal?: AbortSignal,
): Promise<BufferHandle> {
  const check = segment.claimCheck;
  if (check.byteSize > deps.maxSegmentBytes) {
    throw new PipelineError("oversize", `segment ${segment.segmentId} audio is ${check.byteSize} bytes, over the limit of ${deps.maxSegmentBytes}`);
  }
  if (!(Number.isSafeInteger(check.byteSize) && check.byteSize > 0)) {
    throw new PipelineError("corrupt", `segment ${segment.segmentId} claims ${check.byteSize} bytes of audio`);
  }
  // A claim check may only name its own tenant's segment audio: without this an
  // event of one tenant could have another tenant's audio transcribed for it.
  if (!isTenantSegmentKey(check.key, segment.tenant)) {
    throw new PipelineError("corrupt", `segment ${segment.segmentId} claim check key ${JSON.stringify(check.key.slice(0, 200))} is outside segments/${segment.tenant}/`);
  }
  if (check.bucket !== deps.store.bucket) {
    throw new PipelineError("corrupt", `segment ${segment.segmentId} points at bucket ${check.bucket}, this worker reads ${deps.store.bucket}`);
  }
  const handle = await deps.pool.acquire(check.byteSize, { signal, label: segment.segmentId });
  try {
    const hash = createHash("sha256");
    const written = segment.inlineAudio
      ? copyInto(handle.buffer, 0, segment.inlineAudio, hash)
      : await download(deps.store, check.key, deps.maxSegmentBytes, handle.buffer, hash, signal);
    if (written !== check.byteSize || hash.digest("hex") !== check.sha256) {
      throw new PipelineError("checksum-mismatch", `segment ${segment.segmentId} audio at ${check.key} does not match its claim check (size or sha256 differ)`);
    }
    return handle;
  } catch (err) {
    handle.release();
    throw err;
  }
}

/** Copies as much of `chunk` as fits; returns the offset after it, or past the end when it did not fit (a size mismatch). */
function copyInto(target: Buffer, offset: number, chunk: Uint8Array, hash: Hash): number {
  if (offset + chunk.byteLength > target.byteLength) return target.byteLength + 1;
  target.set(chunk, offset);
  hash.update(chunk);
  return offset + chunk.byteLength;
}

/** Streams the object into `target`, hashing as it goes; stops at the first byte past the claimed size. */
async function download(
  store: TranscribeDeps["store"],
  key: string,
  maxBytes: number,
  target: Buffer,
  hash: Hash,
  signal: AbortSignal | undefined,
): Promise<number> {
  const stream: Readable = await store.getStream(key, maxBytes);
  if (signal) addAbortSignal(signal, stream);
  let written = 0;
  try {
    for await (const chunk of stream) {
      written = copyInto(target, written, chunk as Buffer, hash);
      if (written > target.byteLength) break;
    }
  } catch (err) {
    if ((err as Error).name === "AbortError") throw new PipelineError("aborted", `download of ${key} aborted`, { cause: err });
    throw store.classify(err, key);
  } finally {
    // A break or throw leaves the body half read; the socket goes back only once it is destroyed.
    stream.destroy();
  }
  return written;
}

export async function transcribeSegment(segment: AudioSegment, engine: AsrEngine, deps: TranscribeDeps, signal?: AbortSignal): Promise<TranscribeOutcome> {
  const started = deps.now();
  using audio = await loadSegmentAudio(segment, deps, signal);
  let wav: ReturnType<typeof parseWav>;
  try {
    wav = parseWav(audio.buffer);
  } catch (err) {
    throw new PipelineError("decode", `segment ${segment.segmentId}: ${(err as Error).message}`, { cause: err });
  }
  if (wav.channels !== 1) throw new PipelineError("decode", `segment ${segment.segmentId} has ${wav.channels} channels; mono expected`);
  const timeout = AbortSignal.timeout(deps.timeoutMs);
  const engineStarted = deps.now();
  // wav.pcm is a view into the pooled buffer: nothing may keep it past this function.
  const result = await engine.transcribe(
    { pcm: wav.pcm, sampleRate: wav.sampleRate },
    { language: segment.language, signal: signal ? AbortSignal.any([signal, timeout]) : timeout },
  );
  const engineMs = deps.now() - engineStarted;
  const clean = sanitizeWords(result.words);
  const words = shiftWords(clean.words, segment.startSeconds).map((w) => ({
    text: w.text,
    start: round3(w.start),
    end: round3(w.end),
    confidence: round3(w.confidence ?? 0),
  }));
  const event = resultOf(segment, {
    language: result.language || segment.language,
    engine: engine.name,
    text: words.map((w) => w.text).join(" "),
    words,
    droppedWords: clean.droppedLongWords + clean.droppedEmpty,
    processingMs: deps.now() - started,
    producerId: deps.producerId,
    eventTime: deps.now(),
  });
  return { event, audioSeconds: wav.pcm.byteLength / 2 / wav.sampleRate, engineMs };
}

/**
 * The result of a segment the segmenter found silent throughout: no words,
 * without its audio fetched or an engine run. Silence that only an engine
 * could tell from speech is not marked silent, so it is transcribed as usual.
 */
export function silentSegmentResult(segment: AudioSegment, engineName: string, deps: Pick<TranscribeDeps, "producerId" | "now">): SegmentTranscribed {
  return resultOf(segment, {
    language: segment.language,
    engine: engineName,
    text: "",
    words: [],
    droppedWords: 0,
    processingMs: 0,
    producerId: deps.producerId,
    eventTime: deps.now(),
  });
}

/** A result carries its segment's coordinates and attempt; the rest is what the work found. */
function resultOf(segment: AudioSegment, found: Omit<SegmentTranscribed, "tenant" | "jobId" | "segmentId" | "index" | "startSeconds" | "endSeconds" | "attempt">): SegmentTranscribed {
  const { tenant, jobId, segmentId, index, startSeconds, endSeconds, attempt } = segment;
  return { tenant, jobId, segmentId, index, startSeconds, endSeconds, attempt, ...found };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** True for segments/<tenant>/<more…> keys without empty, "." or ".." parts. */
export function isTenantSegmentKey(key: string, tenant: string): boolean {
  const parts = key.split("/");
  if (parts.length < 3 || parts[0] !== "segments" || parts[1] !== tenant) return false;
  return parts.every((p) => p !== "" && p !== "." && p !== "..");
}
