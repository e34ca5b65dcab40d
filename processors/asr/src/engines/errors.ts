// Engines classify their own failures, because only the engine knows whether a
// failure is about the audio (retrying cannot help), the backend (it may) or
// the clock. The pipeline maps these onto its own error type at the boundary.

export type EngineErrorClass = "engine" | "timeout" | "decode";

export interface EngineErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  /** Server-suggested wait (HTTP Retry-After), when there is one. */
  retryAfterMs?: number;
}

const retryableByDefault: Record<EngineErrorClass, boolean> = {
  engine: true,
  timeout: true,
  decode: false,
};

export class EngineError extends Error {
  readonly errorClass: EngineErrorClass;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(errorClass: EngineErrorClass, message: string, options: EngineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EngineError";
    this.errorClass = errorClass;
    this.retryable = options.retryable ?? retryableByDefault[errorClass];
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
