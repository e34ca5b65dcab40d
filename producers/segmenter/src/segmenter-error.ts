// The one error type the segmenter throws for bad or unreadable media, so callers
// can route on a stable `code` (e.g. reject the job vs. retry) instead of on text.

/** media-over-limit: the media is longer, or decodes to more, than a job of its tenant may. */
export type SegmenterErrorCode = "not-media" | "no-audio" | "decode-failed" | "io" | "media-over-limit";

export interface SegmenterErrorOptions {
  /** Redacted input label (URLs lose their query string: presigned credentials). */
  input?: string;
  /** Last bytes of the tool's stderr, already bounded and redacted. */
  stderrTail?: string;
  cause?: unknown;
}

export class SegmenterError extends Error {
  readonly code: SegmenterErrorCode;
  readonly input: string | undefined;
  readonly stderrTail: string | undefined;

  constructor(code: SegmenterErrorCode, message: string, options: SegmenterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SegmenterError";
    this.code = code;
    this.input = options.input;
    this.stderrTail = options.stderrTail;
  }
}

export function isSegmenterError(value: unknown): value is SegmenterError {
  return value instanceof SegmenterError;
}
