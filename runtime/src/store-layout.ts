// Object keys more than one service needs. The sink owns the layout (see
// sinks/s3/src/keys.ts); a key another service reads lives here, once.

import { assertValidId } from "./ids.ts";

/** Segment indices are padded so that a listing comes back in index order. */
export const SEGMENT_INDEX_DIGITS = 6;

/**
 * Where the sink keeps a transcribed segment's result. Its presence means the
 * segment is done: a worker that meets the segment again after its audio was
 * released (the job completed) has nothing left to do.
 */
export function segmentResultKey(tenant: string, jobId: string, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= 10 ** SEGMENT_INDEX_DIGITS) {
    throw new RangeError(`segment index ${index} is outside 0..${10 ** SEGMENT_INDEX_DIGITS - 1}`);
  }
  return `jobs/${assertValidId("tenant", tenant)}/${assertValidId("job id", jobId)}/segments/${String(index).padStart(SEGMENT_INDEX_DIGITS, "0")}.json`;
}
