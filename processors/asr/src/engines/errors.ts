// Engines classify their own failures, because only the engine knows whether a
// failure is about the audio (retrying cannot help), the backend (it may) or
// the clock. An EngineError is one of the pipeline's errors: its class is the
// PipelineError code, and `retriable` says whether the segment may be tried again.

import { PipelineError } from "@lingostream/runtime";

export type EngineErrorClass = "engine" | "timeout" | "decode";

export interface EngineErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  /** Server-suggested wait (HTTP Retry-After), when there is one. */
  retryAfterMs?: number;
}

const retriableByDefault: Record<EngineErrorClass, boolean> = {
  engine: true,
  timeout: true,
  decode: false,
};

export class EngineError extends PipelineError {
  readonly errorClass: EngineErrorClass;
  readonly retryAfterMs: number | undefined;

  constructor(errorClass: EngineErrorClass, message: string, options: EngineErrorOptions = {}) {
    super(errorClass, message, { cause: options.cause, retriable: options.retriable ?? retriableByDefault[errorClass] });
    this.name = "EngineError";
    this.errorClass = errorClass;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isEngineError(err: unknown): err is EngineError {
  return err instanceof EngineError;
}

/**
 * What to throw when the caller's signal fires. A deadline the caller set
 * (AbortSignal.timeout) is still a timeout of this segment and worth a retry;
 * any other abort (shutdown) is passed through untouched so it reads as one.
 */
export function abortError(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "TimeoutError") {
    return new EngineError("timeout", `transcription deadline exceeded: ${reason.message}`, { cause: reason });
  }
  return reason;
}
