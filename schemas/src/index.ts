// Public API of @lingostream/schemas: topic names, event types, the serde and its errors.

export { isSerdeError, SERDE_ERROR_CODES, SerdeError, type SerdeErrorCode, type SerdeErrorOptions } from "./errors.ts";
export * from "./generated/types.ts";
export { type JobEventBodies, type JobEventType, jobEventValue, readJobEvent, type TaggedJobEvent } from "./job-events.ts";
export {
  type CompatibilityLevel,
  type CompatibilityResult,
  type RegistryAuth,
  RegistryClient,
  type RegistryClientOptions,
} from "./registry-client.ts";
export { DEFAULT_COMPATIBILITY, type Decoded, type DecodedEvent, EventSerde, type EventSerdeOptions } from "./serde.ts";
export {
  AVRO_DIR,
  type AvroRecordSchema,
  schemaFileName,
  TOPIC_KEYS,
  topicRecordName,
  topicSchema,
  topicSchemaText,
  topicType,
} from "./topic-schemas.ts";
export { type TopicKey, type TopicName, Topics, topicNames, valueSubject } from "./topics.ts";
export { decodeFrame, encodeFrame, type Frame, HEADER_LENGTH, MAGIC_BYTE } from "./wire-format.ts";
