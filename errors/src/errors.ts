// One error type for the whole pipeline: a stable code, a cause, and whether a
// retry can help. Foreign errors are classified once, in the adapter that calls
// them. Every other error type (the serde's, config's, the engines') extends it.

export const ErrorCodes = [
  "config-invalid",
  "broker-unreachable",
  "broker-transient",
  "registry-unavailable",
  "registry-error",
  "unknown-schema-id",
  "invalid-event",
  "incompatible-schema",
  "storage-unavailable",
  "storage-throttled",
  "storage-not-found",
  "storage-denied",
  "checksum-mismatch",
  "invalid-id",
  "not-media",
  "no-audio",
  // More of the segmenter's media failures. Its codes are JobFailed reasons, so their spelling is part of the API.
  /** ffmpeg could not decode a job's media (`decode` is a segment's audio an engine cannot take). */
  "decode-failed",
  /** The media could not be read: missing, not a file, unreachable URL, a tool that would not run or timed out. */
  "io",
  /** The media is longer, or decodes to more, than a job of its tenant may. */
  "media-over-limit",
  "decode",
  "engine",
  "timeout",
  "oversize",
  "corrupt",
  "malformed",
  /** A segment refused by the local memory check: it is fetched again once memory allows. */
  "memory-pressure",
  /** Audio memory used after its handle was released: a defect, never retried. */
  "use-after-release",
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

/**
 * Codes meaning a service the pipeline depends on (Kafka, the schema registry,
 * S3) could not be reached or did not answer: nothing in the request is wrong,
 * the same call may work once the service is back.
 */
export const INFRASTRUCTURE_CODES: readonly ErrorCode[] = ["broker-unreachable", "registry-unavailable", "storage-unavailable"];

export function isInfrastructureError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (INFRASTRUCTURE_CODES as readonly string[]).includes(code);
}

/** A service that did not answer: what it is, where it was looked for, and the variable that says where. */
export interface Endpoint {
  service: string;
  address: string;
  variable: string;
}

/** Optional parts of the wording: hint, advice after the reason; reason, in place of the one read from the cause. */
export interface UnreachableWords {
  hint?: string;
  reason?: string;
}

/**
 * The one wording of "could not reach": an operator reads what, where, which
 * setting to change and why, on one line. The details carry the same parts.
 */
export function describeUnreachable(endpoint: Endpoint, cause: unknown, words: UnreachableWords = {}): { message: string; details: Record<string, unknown> } {
  const { hint } = words;
  const reason = words.reason ?? networkFailureReason(cause);
  return {
    message: `cannot reach ${endpoint.service} at ${endpoint.address} (${endpoint.variable}): ${reason}${hint ? `; ${hint}` : ""}`,
    details: { ...endpoint, reason },
  };
}

/** A retriable PipelineError worded by describeUnreachable. */
export function unreachableError(code: ErrorCode, endpoint: Endpoint, cause: unknown, words: UnreachableWords = {}): PipelineError {
  const { message, details } = describeUnreachable(endpoint, cause, words);
  return new PipelineError(code, message, { cause, retriable: true, details });
}

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found (DNS lookup failed)",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPIPE: "connection closed",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_SOCKET: "connection closed",
};

/** The socket-level reason behind a client's failure, in a few words ("connection refused"), found along the cause chain. */
export function networkFailureReason(err: unknown): string {
  let first: string | undefined;
  const seen = new Set<unknown>();
  for (let e = err as Failure | undefined; e && !seen.has(e); e = e.cause as Failure | undefined) {
    seen.add(e);
    // Node's happy-eyeballs connect fails with an AggregateError of one error per address.
    for (const candidate of [e, ...(Array.isArray(e.errors) ? (e.errors as Failure[]) : [])]) {
      const code = typeof candidate?.code === "string" ? candidate.code : undefined;
      if (code && SOCKET_REASONS[code]) return SOCKET_REASONS[code];
    }
    const message = typeof e.message === "string" ? e.message : undefined;
    if (message === undefined) continue;
    const named = Object.keys(SOCKET_REASONS).find((code) => message.includes(code));
    if (named) return SOCKET_REASONS[named] as string;
    if (/connection timeout|timed? ?out/i.test(message)) return "connection timed out";
    first ??= message;
  }
  return first ?? String(err);
}

type Failure = { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };

/** The message of anything thrown: an Error's message, else its string form. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Wraps anything thrown into a PipelineError without losing the original. */
export function toPipelineError(err: unknown, fallback: ErrorCode = "unknown"): PipelineError {
  if (err instanceof PipelineError) return err;
  if (err instanceof Error && err.name === "AbortError") {
    return new PipelineError("aborted", err.message, { cause: err });
  }
  return new PipelineError(fallback, errorMessage(err), { cause: err });
}
