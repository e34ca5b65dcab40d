// The error the serde and the registry client throw: a PipelineError (the one
// hierarchy, from @lingostream/errors) with the serde's codes. Callers branch on
// `code` (stable, part of the API) and `retriable`, never on message text.

import { type ErrorCode, PipelineError } from "@lingostream/errors";

/**
 * malformed: bytes are not a Confluent-framed Avro event (too short, wrong magic
 *   byte, body does not decode, trailing bytes).
 * unknown-schema-id: the registry has no schema with the frame's id.
 * invalid-event: encode() got a value that does not match the topic's schema; see `paths`.
 * registry-unavailable: the registry could not be reached, timed out or answered 5xx.
 * incompatible-schema: the registry refused a schema as incompatible, or a message's
 *   writer schema cannot be read as the expected event.
 * registry-error: any other refusal by the registry (bad credentials, invalid schema).
 */
export const SERDE_ERROR_CODES = [
  "malformed",
  "unknown-schema-id",
  "invalid-event",
  "registry-unavailable",
  "incompatible-schema",
  "registry-error",
] as const satisfies readonly ErrorCode[];

export type SerdeErrorCode = (typeof SERDE_ERROR_CODES)[number];

export interface SerdeErrorOptions {
  cause?: unknown;
  /** Invalid value paths, for "invalid-event". */
  paths?: readonly string[];
  schemaId?: number;
  /** HTTP status of the registry answer, when there was one. */
  status?: number;
  /** As PipelineError's: for an unreachable registry, its address, variable and the reason. */
  details?: Record<string, unknown>;
}

export class SerdeError extends PipelineError {
  override readonly name = "SerdeError";
  declare readonly code: SerdeErrorCode;
  readonly paths: readonly string[];
  readonly schemaId: number | undefined;
  readonly status: number | undefined;

  /** Retriable only when the same call may succeed later without any change (registry outage). */
  constructor(code: SerdeErrorCode, message: string, options: SerdeErrorOptions = {}) {
    super(code, message, { cause: options.cause, retriable: code === "registry-unavailable", details: options.details });
    this.paths = options.paths ?? [];
    this.schemaId = options.schemaId;
    this.status = options.status;
  }
}

export function isSerdeError(error: unknown, code?: SerdeErrorCode): error is SerdeError {
  return error instanceof SerdeError && (code === undefined || error.code === code);
}
