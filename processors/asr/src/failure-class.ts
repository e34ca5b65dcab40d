// Maps any failure of a segment onto the dead-letter error classes, once.

import { type PipelineError, toPipelineError } from "@lingostream/runtime";
import type { ErrorClass } from "@lingostream/schemas";

export interface ClassifiedFailure {
  errorClass: ErrorClass;
  /** Whether trying the segment again may help; the dead letter's `retryable` field. */
  retriable: boolean;
  message: string;
}

export function classifyFailure(err: unknown): ClassifiedFailure {
  const engineClass = (err as { errorClass?: string })?.errorClass;
  if (engineClass === "engine" || engineClass === "timeout" || engineClass === "decode") {
    return { errorClass: engineClass, retriable: (err as { retriable?: boolean }).retriable === true, message: (err as Error).message };
  }
  const e: PipelineError = toPipelineError(err);
  const message = e.message;
  switch (e.code) {
    case "oversize":
      return { errorClass: "oversize", retriable: false, message };
    case "checksum-mismatch":
    case "storage-not-found":
    case "corrupt":
    case "invalid-id":
      return { errorClass: "corrupt", retriable: false, message };
    case "decode":
      return { errorClass: "decode", retriable: false, message };
    case "malformed":
      return { errorClass: "malformed", retriable: false, message };
    case "timeout":
      return { errorClass: "timeout", retriable: true, message };
    case "engine":
      return { errorClass: "engine", retriable: e.retriable, message };
    case "storage-unavailable":
    case "storage-throttled":
    case "broker-transient":
    case "broker-unreachable":
      // Infrastructure, not the segment: worth another try.
      return { errorClass: "unknown", retriable: true, message };
    default:
      return { errorClass: "unknown", retriable: e.retriable, message };
  }
}
