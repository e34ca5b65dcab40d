// The sink's object-key layout in one place. Every key is a pure function of
// ids and offsets, so a replay or a restart writes the same keys again.

import { assertValidId, isValidId, SEGMENT_INDEX_DIGITS, segmentResultKey } from "@lingostream/runtime";

/** Kafka offsets are 64-bit; 20 digits keep lexical order equal to numeric order. */
export const OFFSET_DIGITS = 20;
/** Segment indices are padded so that a listing comes back in index order. */
export const INDEX_DIGITS = SEGMENT_INDEX_DIGITS;
export const MAX_SEGMENT_INDEX = 10 ** INDEX_DIGITS - 1;

export interface JobRef {
  tenant: string;
  jobId: string;
}

export interface TranscriptKeys {
  json: string;
  srt: string;
  vtt: string;
}

export function padOffset(offset: string | bigint): string {
  const text = typeof offset === "bigint" ? offset.toString() : offset;
  if (!/^\d+$/.test(text)) throw new RangeError(`offset ${JSON.stringify(text)} is not a non-negative integer`);
  return text.padStart(OFFSET_DIGITS, "0");
}

export function padIndex(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > MAX_SEGMENT_INDEX) {
    throw new RangeError(`segment index ${index} is outside 0..${MAX_SEGMENT_INDEX}`);
  }
  return String(index).padStart(INDEX_DIGITS, "0");
}

/** Topic names are not ids, but they share the key-safe alphabet; check anyway. */
function assertSafeTopic(topic: string): string {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic) || topic.includes("..")) {
    throw new RangeError(`topic ${JSON.stringify(topic)} cannot be part of an object key`);
  }
  return topic;
}

/** Prefix shared by every archive batch of one partition that starts at startOffset. */
export function archivePrefix(topic: string, partition: number, startOffset: string): string {
  return `archive/${assertSafeTopic(topic)}/partition=${partition}/${padOffset(startOffset)}-`;
}

export function archiveKey(topic: string, partition: number, startOffset: string, endOffset: string): string {
  return `${archivePrefix(topic, partition, startOffset)}${padOffset(endOffset)}.jsonl`;
}

/** Everything the sink keeps about one job lives under this prefix. */
export function jobPrefix(job: JobRef): string {
  return `jobs/${assertValidId("tenant", job.tenant)}/${assertValidId("job id", job.jobId)}/`;
}

export function requestedKey(job: JobRef): string {
  return `${jobPrefix(job)}requested.json`;
}

export function jobMetaKey(job: JobRef): string {
  return `${jobPrefix(job)}job.json`;
}

/** Marker of the last assembly, so unchanged re-deliveries do not emit JobCompleted again. */
export function completedKey(job: JobRef): string {
  return `${jobPrefix(job)}completed.json`;
}

export function segmentsPrefix(job: JobRef): string {
  return `${jobPrefix(job)}segments/`;
}

/** The result of one segment; the same key the ASR processor looks for (runtime's store layout). */
export function segmentKey(job: JobRef, index: number): string {
  return segmentResultKey(job.tenant, job.jobId, index);
}

export function failedPrefix(job: JobRef): string {
  return `${jobPrefix(job)}failed/`;
}

export function failedKey(job: JobRef, index: number): string {
  return `${failedPrefix(job)}${padIndex(index)}.json`;
}

export function transcriptKeys(job: JobRef): TranscriptKeys {
  const prefix = `transcripts/${assertValidId("tenant", job.tenant)}/${assertValidId("job id", job.jobId)}/transcript`;
  return { json: `${prefix}.json`, srt: `${prefix}.srt`, vtt: `${prefix}.vtt` };
}

/** The index a segments/ or failed/ key names; undefined for anything else under the prefix. */
export function indexFromKey(prefix: string, key: string): number | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const m = /^(\d{6})\.json$/.exec(key.slice(prefix.length));
  return m ? Number(m[1]) : undefined;
}

// ---- objects the sink deletes once a job no longer needs them ----

/**
 * Segment audio as the segmenter writes it, segments/<tenant>/<jobId>/<index:6>.wav:
 * the claim checks name these keys. The sink never writes here, it only deletes.
 */
export function segmentAudioPrefix(job: JobRef): string {
  return `segments/${assertValidId("tenant", job.tenant)}/${assertValidId("job id", job.jobId)}/`;
}

/** The index a segment audio key names; undefined for anything else under the prefix. */
export function audioIndexFromKey(prefix: string, key: string): number | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const m = /^(\d{6})\.wav$/.exec(key.slice(prefix.length));
  return m ? Number(m[1]) : undefined;
}

/** Where `lingostream transcribe` uploads a job's media in cluster mode; the job owns everything under it. */
export function uploadedMediaPrefix(job: JobRef): string {
  return `media/${assertValidId("tenant", job.tenant)}/${assertValidId("job id", job.jobId)}/`;
}

/**
 * Expiry entries of kept audio, one per job under the UTC day it expires:
 * lifecycle/expire/<yyyy-mm-dd>/<tenant>/<jobId>.json. Days sort lexically in
 * time order, so a sweep reads the due entries first and stops at the first later day.
 */
export const EXPIRY_ROOT = "lifecycle/expire/";

/** The UTC day (yyyy-mm-dd) of an epoch-ms instant. */
export function expiryDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

export function expiryKey(job: JobRef, expiresAt: number): string {
  return `${EXPIRY_ROOT}${expiryDay(expiresAt)}/${assertValidId("tenant", job.tenant)}/${assertValidId("job id", job.jobId)}.json`;
}

/** The day and job an expiry key names; undefined for a key the sink did not write. */
export function parseExpiryKey(key: string): { day: string; job: JobRef } | undefined {
  if (!key.startsWith(EXPIRY_ROOT)) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})\/([^/]+)\/([^/]+)\.json$/.exec(key.slice(EXPIRY_ROOT.length));
  if (!m || !isValidId(m[2] as string) || !isValidId(m[3] as string)) return undefined;
  return { day: m[1] as string, job: { tenant: m[2] as string, jobId: m[3] as string } };
}
