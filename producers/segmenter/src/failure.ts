// Decides whether a job's segmenting failure is the media's fault (end the job)
// or the infrastructure's (retry by leaving the offset uncommitted).

import { isPipelineError } from "@lingostream/runtime";
import { SegmenterError } from "./segmenter-error.ts";

export function describeSegmenterFailure(err: unknown): { code: string; message: string; retriable: boolean } {
  // Media that cannot be read will not get better by retrying; the job fails with the reason.
  if (err instanceof SegmenterError) return { code: err.code, message: err.message, retriable: false };
  if (isPipelineError(err)) return { code: err.code, message: err.message, retriable: err.retriable };
  return { code: "unknown", message: err instanceof Error ? err.message : String(err), retriable: false };
}
