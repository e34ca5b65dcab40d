// One segment's work, free of Kafka: fetch the claim-checked audio, verify it,
// transcribe, sanitize, shift to media time. Throws on failure; the processor
// turns failures into dead letters.

import { PipelineError, parseWav, sha256Hex, type ObjectStore } from "@lingostream/runtime";
import type { AudioSegment, SegmentTranscribed } from "@lingostream/schemas";
import type { AsrEngine } from "./engines/engine.ts";
import { sanitizeWords, shiftWords } from "./sanitize.ts";

export interface TranscribeDeps {
  store: ObjectStore;
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

/** Loads the segment's audio: inline bytes when present, else the claim check; verified either way. */
export async function loadSegmentAudio(segment: AudioSegment, deps: Pick<TranscribeDeps, "store" | "maxSegmentBytes">): Promise<Buffer> {
  const check = segment.claimCheck;
  if (check.byteSize > deps.maxSegmentBytes) {
    throw new PipelineError("oversize", `segment ${segment.segmentId} audio is ${check.byteSize} bytes, over the limit of ${deps.maxSegmentBytes}`);
  }
  if (check.bucket !== deps.store.bucket) {
    throw new PipelineError("corrupt", `segment ${segment.segmentId} points at bucket ${check.bucket}, this worker reads ${deps.store.bucket}`);
  }
  const audio = segment.inlineAudio ?? (await deps.store.get(check.key, deps.maxSegmentBytes));
  if (audio.byteLength !== check.byteSize || sha256Hex(audio) !== check.sha256) {
    throw new PipelineError("checksum-mismatch", `segment ${segment.segmentId} audio at ${check.key} does not match its claim check (size or sha256 differ)`);
  }
  return audio;
}

export async function transcribeSegment(segment: AudioSegment, engine: AsrEngine, deps: TranscribeDeps, signal?: AbortSignal): Promise<TranscribeOutcome> {
  const started = deps.now();
  const audio = await loadSegmentAudio(segment, deps);
  let wav: ReturnType<typeof parseWav>;
  try {
    wav = parseWav(audio);
  } catch (err) {
    throw new PipelineError("decode", `segment ${segment.segmentId}: ${(err as Error).message}`, { cause: err });
  }
  if (wav.channels !== 1) throw new PipelineError("decode", `segment ${segment.segmentId} has ${wav.channels} channels; mono expected`);
  const timeout = AbortSignal.timeout(deps.timeoutMs);
  const engineStarted = deps.now();
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
  const event: SegmentTranscribed = {
    tenant: segment.tenant,
    jobId: segment.jobId,
    segmentId: segment.segmentId,
    index: segment.index,
    startSeconds: segment.startSeconds,
    endSeconds: segment.endSeconds,
    language: result.language || segment.language,
    engine: engine.name,
    text: words.map((w) => w.text).join(" "),
    words,
    droppedWords: clean.droppedLongWords + clean.droppedEmpty,
    attempt: segment.attempt,
    processingMs: deps.now() - started,
    producerId: deps.producerId,
    eventTime: deps.now(),
  };
  return { event, audioSeconds: wav.pcm.byteLength / 2 / wav.sampleRate, engineMs };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
