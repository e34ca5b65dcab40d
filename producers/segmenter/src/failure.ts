// Decides whether a job's segmenting failure is the media's fault (end the job)
// or the infrastructure's (retry by leaving the offset uncommitted).

import { errorMessage, isPipelineError } from "@lingostream/runtime";

/**
 * A PipelineError says its own code and whether a retry can help (a
 * SegmenterError among them: remote media that could not be read or decoded
 * may be a network blip); anything else is unclassified and final.
 */
export function describeSegmenterFailure(err: unknown): { code: string; message: string; retriable: boolean } {
  if (isPipelineError(err)) return { code: err.code, message: err.message, retriable: err.retriable };
  return { code: "unknown", message: errorMessage(err), retriable: false };
}
