// Maps any failure of a segment onto the dead-letter error classes, once.

import { type PipelineError, toPipelineError } from "@lingostream/runtime";
import type { ErrorClass } from "@lingostream/schemas";

export interface ClassifiedFailure {
  errorClass: ErrorClass;
  retryable: boolean;
  message: string;
}

export function classifyFailure(err: unknown): ClassifiedFailure {
  const engineClass = (err as { errorClass?: string })?.errorClass;
  if (engineClass === "engine" || engineClass === "timeout" || engineClass === "decode") {
    return { errorClass: engineClass, retryable: Boolean((err as { retryable?: boolean }).retryable), message: (err as Error).message };
  }
  const e: PipelineError = toPipelineError(err);
  const message = e.message;
  switch (e.code) {
    case "oversize":
      return { errorClass: "oversize", retryable: false, message };
    case "checksum-mismatch":
    case "storage-not-found":
    case "corrupt":
    case "invalid-id":
      return { errorClass: "corrupt", retryable: false, message };
    case "decode":
      return { errorClass: "decode", retryable: false, message };
    case "malformed":
      return { errorClass: "malformed", retryable: false, message };
    case "timeout":
      return { errorClass: "timeout", retryable: true, message };
    case "engine":
      return { errorClass: "engine", retryable: e.retriable, message };
    case "storage-unavailable":
    case "storage-throttled":
    case "broker-transient":
    case "broker-unreachable":
      // Infrastructure, not the segment: worth another try.
      return { errorClass: "unknown", retryable: true, message };
    default:
      return { errorClass: "unknown", retryable: e.retriable, message };
  }
}
