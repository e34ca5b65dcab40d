// Decides whether a job's segmenting failure is the media's fault (end the job)
// or the infrastructure's (retry by leaving the offset uncommitted).

import { errorMessage, isPipelineError } from "@lingostream/runtime";
import { SegmenterError } from "./segmenter-error.ts";

export function describeSegmenterFailure(err: unknown): { code: string; message: string; retriable: boolean } {
  // Media that is not media, or has no audio, will not get better by retrying;
  // io (network, timeouts) and decode failures of remote inputs may.
  if (err instanceof SegmenterError) {
    const remote = err.input !== undefined && /^https?:/.test(err.input);
    return { code: err.code, message: err.message, retriable: err.code === "io" ? remote : err.code === "decode-failed" && remote };
  }
  if (isPipelineError(err)) return { code: err.code, message: err.message, retriable: err.retriable };
  return { code: "unknown", message: errorMessage(err), retriable: false };
}
