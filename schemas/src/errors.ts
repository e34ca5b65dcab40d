// The one error type the serde throws. Callers branch on `code` (stable, part of
// the API) and `retriable`, never on message text.

export type SerdeErrorCode =
  /** Bytes are not a Confluent-framed Avro event: too short, wrong magic byte, body does not decode, trailing bytes. */
  | "malformed"
  /** The registry does not know the schema id in the frame. */
  | "unknown-schema-id"
  /** encode() was given a value that does not match the topic's schema; `paths` lists where. */
  | "invalid-event"
  /** The registry could not be reached, timed out or answered 5xx; try again later. */
  | "registry-unavailable"
  /** The registry refused a schema as incompatible, or a message's writer schema cannot be read as the expected event. */
  | "incompatible-schema"
  /** The registry answered with another client error (bad credentials, invalid schema, ...). */
  | "registry-error";

export interface SerdeErrorOptions {
  cause?: unknown;
  /** Invalid value paths, for "invalid-event". */
  paths?: readonly string[];
  schemaId?: number;
  /** HTTP status of the registry answer, when there was one. */
  status?: number;
}

export class SerdeError extends Error {
  override readonly name = "SerdeError";
  readonly code: SerdeErrorCode;
  /** True only when the same call may succeed later without any change (registry outage). */
  readonly retriable: boolean;
  readonly paths: readonly string[];
  readonly schemaId: number | undefined;
  readonly status: number | undefined;

  constructor(code: SerdeErrorCode, message: string, options: SerdeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = code === "registry-unavailable";
    this.paths = options.paths ?? [];
    this.schemaId = options.schemaId;
    this.status = options.status;
  }
}

export function isSerdeError(error: unknown, code?: SerdeErrorCode): error is SerdeError {
  return error instanceof SerdeError && (code === undefined || error.code === code);
}
