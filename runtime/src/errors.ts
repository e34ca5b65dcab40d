// One error type for the whole pipeline: a stable code, a cause, and whether a
// retry can help. Foreign errors are classified once, in the adapter that calls them.

export const ErrorCodes = [
  "config-invalid",
  "broker-unreachable",
  "broker-transient",
  "registry-unavailable",
  "storage-unavailable",
  "storage-throttled",
  "storage-not-found",
  "storage-denied",
  "checksum-mismatch",
  "invalid-id",
  "not-media",
  "no-audio",
  "decode",
  "engine",
  "timeout",
  "oversize",
  "corrupt",
  "malformed",
  "aborted",
  "unknown",
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

export interface PipelineErrorOptions {
  cause?: unknown;
  retriable?: boolean;
  details?: Record<string, unknown>;
}

export class PipelineError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PipelineError";
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
  }
}

export function isPipelineError(err: unknown): err is PipelineError {
  return err instanceof PipelineError;
}

/** Wraps anything thrown into a PipelineError without losing the original. */
export function toPipelineError(err: unknown, fallback: ErrorCode = "unknown"): PipelineError {
  if (err instanceof PipelineError) return err;
  if (err instanceof Error && err.name === "AbortError") {
    return new PipelineError("aborted", err.message, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new PipelineError(fallback, message, { cause: err });
}
