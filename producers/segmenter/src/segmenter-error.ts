// The error the segmenter throws for bad or unreadable media: a PipelineError with
// the segmenter's codes, so callers route on `code` and `retriable` (end the job
// or try again) instead of on text. The code becomes the JobFailed reason.

import { type ErrorCode, PipelineError } from "@lingostream/runtime";

/** media-over-limit: the media is longer, or decodes to more, than a job of its tenant may. */
export const SEGMENTER_ERROR_CODES = ["not-media", "no-audio", "decode-failed", "io", "media-over-limit"] as const satisfies readonly ErrorCode[];

export type SegmenterErrorCode = (typeof SEGMENTER_ERROR_CODES)[number];

export interface SegmenterErrorOptions {
  /** Redacted input label (URLs lose their query string: presigned credentials). */
  input?: string;
  /** Last bytes of the tool's stderr, already bounded and redacted. */
  stderrTail?: string;
  cause?: unknown;
}

export class SegmenterError extends PipelineError {
  override readonly name = "SegmenterError";
  declare readonly code: SegmenterErrorCode;
  readonly input: string | undefined;
  readonly stderrTail: string | undefined;

  /**
   * Retriable only for media read over the network (http, https, a presigned s3
   * URL) that could not be read or decoded: ffmpeg cannot tell a network blip
   * from a bad file there. A local file, or media that is not media, has no
   * audio or is over its limit, fails the same way every time.
   */
  constructor(code: SegmenterErrorCode, message: string, options: SegmenterErrorOptions = {}) {
    const remote = options.input !== undefined && /^https?:/.test(options.input);
    super(code, message, { cause: options.cause, retriable: remote && (code === "io" || code === "decode-failed") });
    this.input = options.input;
    this.stderrTail = options.stderrTail;
  }
}

export function isSegmenterError(value: unknown): value is SegmenterError {
  return value instanceof SegmenterError;
}
