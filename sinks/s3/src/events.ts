// Reads decoded event values into the few shapes the sink acts on. The serde
// has already checked the Avro schema; these checks guard what becomes object
// keys and arithmetic (ids, indices, counts), so a value that slipped through
// becomes a skipped bad record instead of a crash or a hostile key. asr.jobs
// values are unwrapped by the schemas' readJobEvent; their ids and counts are
// checked here.

import { isValidId, PipelineError } from "@lingostream/runtime";
import type { JobSegmented, SegmentTranscribed, Word } from "@lingostream/schemas";
import { type JobRef, MAX_SEGMENT_INDEX } from "./keys.ts";

/** A word on the media timeline, as SegmentTranscribed carries it. */
export type WordTiming = Word;

/** The part of SegmentTranscribed the sink relies on; the full value is stored as is. */
export type SegmentResult = JobRef &
  Pick<SegmentTranscribed, "segmentId" | "index" | "startSeconds" | "endSeconds" | "language" | "engine" | "text" | "words">;

export type DeadLetter =
  | { attributed: true; job: JobRef; segmentId: string; index: number; errorClass: string; message: string; retryable: boolean; attempt: number; lastFailureTime: number }
  | { attributed: false; reason: string };

type Obj = Record<string, unknown>;

function malformed(message: string): PipelineError {
  return new PipelineError("malformed", message);
}

function obj(value: unknown, what: string): Obj {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw malformed(`${what} is not a record`);
  return value as Obj;
}

function str(o: Obj, field: string): string {
  const v = o[field];
  if (typeof v !== "string") throw malformed(`${field} is not a string`);
  return v;
}

function num(o: Obj, field: string): number {
  const v = o[field];
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n)) throw malformed(`${field} is not a finite number`);
  return n;
}

function segmentIndex(o: Obj, field: string): number {
  const n = num(o, field);
  if (!Number.isInteger(n) || n < 0 || n > MAX_SEGMENT_INDEX) throw malformed(`${field} ${n} is not a segment index 0..${MAX_SEGMENT_INDEX}`);
  return n;
}

/** Ids become key segments; a bad one is reported with the invalid-id code so it is counted apart. */
export function keySafeJob(job: { tenant: string; jobId: string }): JobRef {
  return jobRef(job as unknown as Obj);
}

/** JobSegmented's count bounds the slots a job has, and so what completion lists and assembles. */
export function readJobSegmented(event: JobSegmented): { job: JobRef; segmentCount: number; durationSeconds: number } {
  const o = event as unknown as Obj;
  const job = jobRef(o);
  const segmentCount = num(o, "segmentCount");
  if (!Number.isInteger(segmentCount) || segmentCount < 0 || segmentCount > MAX_SEGMENT_INDEX + 1) {
    throw malformed(`segmentCount ${segmentCount} is out of range`);
  }
  return { job, segmentCount, durationSeconds: num(o, "durationSeconds") };
}

function jobRef(o: Obj): JobRef {
  const tenant = str(o, "tenant");
  const jobId = str(o, "jobId");
  if (!isValidId(tenant)) throw new PipelineError("invalid-id", `invalid tenant ${JSON.stringify(tenant.slice(0, 80))}`);
  if (!isValidId(jobId)) throw new PipelineError("invalid-id", `invalid job id ${JSON.stringify(jobId.slice(0, 80))}`);
  return { tenant, jobId };
}

export function readSegmentResult(value: unknown): SegmentResult {
  const o = obj(value, "SegmentTranscribed");
  const job = jobRef(o);
  const rawWords = o.words;
  if (!Array.isArray(rawWords)) throw malformed("words is not an array");
  const words = rawWords.map((w, i) => {
    const wo = obj(w, `words[${i}]`);
    return { text: str(wo, "text"), start: num(wo, "start"), end: num(wo, "end"), confidence: num(wo, "confidence") };
  });
  return {
    ...job,
    segmentId: str(o, "segmentId"),
    index: segmentIndex(o, "index"),
    startSeconds: num(o, "startSeconds"),
    endSeconds: num(o, "endSeconds"),
    language: str(o, "language"),
    engine: str(o, "engine"),
    text: str(o, "text"),
    words,
  };
}

/** A dead letter is attributed to a job slot only when it names the job and the segment's index. */
export function readDeadLetter(value: unknown): DeadLetter {
  const o = obj(value, "SegmentFailed");
  const jobId = o.jobId;
  const segment = o.segment;
  if (typeof jobId !== "string" || typeof segment !== "object" || segment === null) {
    return { attributed: false, reason: "no job or segment" };
  }
  const seg = obj(segment, "SegmentFailed.segment");
  // The segment's own ids are the ones the results will carry; the outer ones are copies.
  const job = jobRef(seg);
  return {
    attributed: true,
    job,
    segmentId: str(seg, "segmentId"),
    index: segmentIndex(seg, "index"),
    errorClass: str(o, "errorClass"),
    message: str(o, "message"),
    retryable: o.retryable === true,
    attempt: num(o, "attempt"),
    lastFailureTime: num(o, "lastFailureTime"),
  };
}
