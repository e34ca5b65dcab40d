// Turns lingostream events into Kafka bytes and back. Schema ids come from the
// registry (one subject per topic value, TopicNameStrategy) through
// @kafkajs/confluent-schema-registry (see registry-client.ts), which also encodes.
// Decoding stays here: the library's decode() needs the reader schema up front, while
// this one recognises the topic from the writer's record name, keeps one
// writer->reader resolver per id (the library rebuilds the reader type and resolver on
// every call), checks the framing before any request and reports bad bytes as
// "malformed". The writer types come from the library, built with the shared avsc
// options, so hostile array/map counts are bounded (bounded-reads.ts) either way.

import { errorMessage } from "@lingostream/errors";
import type avro from "avsc";
import { SerdeError } from "./errors.ts";
import { invalidPaths } from "./event-validation.ts";
import type { TopicValues } from "./generated/types.ts";
import { type CompatibilityLevel, type CompatibilityResult, type RegistryAuth, RegistryClient } from "./registry-client.ts";
import { TOPIC_KEYS, topicKeyForRecord, topicRecordName, topicSchemaText, topicType } from "./topic-schemas.ts";
import { type TopicKey, topicNames, valueSubject } from "./topics.ts";
import { decodeFrame } from "./wire-format.ts";

export interface EventSerdeOptions {
  /** Confluent-compatible API base, e.g. http://localhost:8081/apis/ccompat/v7. */
  registryUrl: string;
  /** Prefix of every topic (and so of every subject); default none. */
  topicPrefix?: string;
  auth?: RegistryAuth;
  /** Per registry request; default 10 s. */
  requestTimeoutMs?: number;
  /** Extra tries of a registry request after a network error or 5xx; default 2. */
  retries?: number;
  /** First retry backoff, doubled per try with jitter; default 100 ms. */
  retryBaseMs?: number;
}

export interface Decoded<K extends TopicKey = TopicKey> {
  /** Which topic's event this is, from the writer schema's record name. */
  topicKey: K;
  schemaId: number;
  /** Shaped by the local schema: fields the writer lacked get their defaults. */
  value: TopicValues[K];
}

/** decode()'s result; switch on `topicKey` to narrow `value`. */
export type DecodedEvent = { [K in TopicKey]: Decoded<K> }[TopicKey];

type Resolver = ReturnType<avro.Type["createResolver"]>;

interface Reader {
  topicKey: TopicKey;
  type: avro.Type;
  /** Absent when the writer schema is the local one. */
  resolver: Resolver | undefined;
}

/** Level register() gives subjects that have none yet. */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = "BACKWARD";

export class EventSerde {
  readonly registry: RegistryClient;
  /** Topic names with the prefix applied. */
  readonly topics: Readonly<Record<TopicKey, string>>;
  readonly #ids = new Map<TopicKey, Promise<number>>();
  readonly #readers = new Map<number, Reader>();
  readonly #loading = new Map<number, Promise<Reader>>();

  constructor(options: EventSerdeOptions) {
    this.registry = new RegistryClient({
      url: options.registryUrl,
      auth: options.auth,
      timeoutMs: options.requestTimeoutMs,
      retries: options.retries,
      retryBaseMs: options.retryBaseMs,
    });
    this.topics = topicNames(options.topicPrefix);
  }

  /** The value subject of a topic: "<prefix><topic>-value". */
  subject(topicKey: TopicKey): string {
    return valueSubject(this.topics[topicKey]);
  }

  /**
   * Registers the topic's value schema (idempotent: an unchanged schema keeps its id)
   * and remembers the id. A subject the registry reports no level for (a new one)
   * gets BACKWARD with its first version, so the next version is already checked;
   * a level someone set is left alone.
   */
  register(topicKey: TopicKey): Promise<number> {
    let id = this.#ids.get(topicKey);
    if (!id) {
      id = this.#register(topicKey);
      // A failed registration must not stick: the registry may be back next time.
      id.catch(() => this.#ids.delete(topicKey));
      this.#ids.set(topicKey, id);
    }
    return id;
  }

  async registerAll(): Promise<Record<TopicKey, number>> {
    const ids = await Promise.all(TOPIC_KEYS.map((key) => this.register(key)));
    return Object.fromEntries(TOPIC_KEYS.map((key, i) => [key, ids[i]])) as Record<TopicKey, number>;
  }

  /**
   * Confluent wire bytes for `value`. Validates first ("invalid-event" lists every bad
   * path) and registers the topic's schema on first use.
   */
  async encode<K extends TopicKey>(topicKey: K, value: TopicValues[K]): Promise<Buffer> {
    const type = topicType(topicKey);
    if (!type.isValid(value, { noUndeclaredFields: true })) {
      const paths = invalidPaths(type, value);
      const shown = paths.slice(0, 10).join("; ") + (paths.length > 10 ? `; and ${paths.length - 10} more` : "");
      throw new SerdeError("invalid-event", `invalid ${topicKey} event (${topicRecordName(topicKey)}): ${shown}`, {
        paths,
      });
    }
    const schemaId = await this.register(topicKey);
    return this.registry.encode(schemaId, value);
  }

  /** Reads any lingostream event; the writer schema is fetched once per schema id. */
  async decode(bytes: Uint8Array): Promise<DecodedEvent> {
    const { schemaId, body } = decodeFrame(bytes);
    const reader = this.#readers.get(schemaId) ?? (await this.#loadReader(schemaId));
    return { topicKey: reader.topicKey, schemaId, value: readBody(reader, body, schemaId) } as DecodedEvent;
  }

  /** Like decode(), but "incompatible-schema" unless the bytes hold `topicKey`'s event. */
  async decodeAs<K extends TopicKey>(topicKey: K, bytes: Uint8Array): Promise<Decoded<K>> {
    const { schemaId, body } = decodeFrame(bytes);
    const reader = this.#readers.get(schemaId) ?? (await this.#loadReader(schemaId));
    if (reader.topicKey !== topicKey) {
      throw new SerdeError(
        "incompatible-schema",
        `schema id ${schemaId} writes ${topicRecordName(reader.topicKey)}, not the ${topicKey} event ${topicRecordName(topicKey)}`,
        { schemaId },
      );
    }
    return { topicKey, schemaId, value: readBody(reader, body, schemaId) as TopicValues[K] };
  }

  /** Sets a subject's compatibility level (tests and tooling; register() sets BACKWARD itself). */
  setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    return this.registry.setCompatibility(subject, level);
  }

  /** Whether `schema` (JSON text or object) may become the subject's next version. */
  checkCompatibility(subject: string, schema: string | object): Promise<CompatibilityResult> {
    return this.registry.checkCompatibility(subject, schemaText(schema));
  }

  /**
   * Registers any schema under any subject ("incompatible-schema" when the registry
   * refuses); a new subject gets BACKWARD, an existing one keeps its level.
   */
  registerSchema(subject: string, schema: string | object): Promise<number> {
    return this.registry.register(subject, schemaText(schema), DEFAULT_COMPATIBILITY);
  }

  async #register(topicKey: TopicKey): Promise<number> {
    const subject = this.subject(topicKey);
    const schemaId = await this.registry.register(subject, topicSchemaText(topicKey), DEFAULT_COMPATIBILITY);
    // The id's schema is the local one, so our own messages decode without a fetch.
    if (!this.#readers.has(schemaId)) {
      this.#readers.set(schemaId, { topicKey, type: topicType(topicKey), resolver: undefined });
    }
    return schemaId;
  }

  #loadReader(schemaId: number): Promise<Reader> {
    let reader = this.#loading.get(schemaId);
    if (!reader) {
      // Concurrent decodes of a new id share one registry request.
      reader = this.#fetchReader(schemaId).finally(() => this.#loading.delete(schemaId));
      this.#loading.set(schemaId, reader);
    }
    return reader;
  }

  async #fetchReader(schemaId: number): Promise<Reader> {
    // Built by the library with the shared avsc options ("incompatible-schema" unless Avro).
    const writer = await this.registry.schemaById(schemaId);
    const topicKey = topicKeyForRecord(writer.name);
    if (!topicKey) {
      throw new SerdeError("incompatible-schema", `schema id ${schemaId} is ${writer.name ?? "unnamed"}, not a lingostream event`, {
        schemaId,
      });
    }
    const type = topicType(topicKey);
    let resolver: Resolver | undefined;
    if (!type.equals(writer)) {
      try {
        resolver = type.createResolver(writer);
      } catch (cause) {
        throw new SerdeError(
          "incompatible-schema",
          `schema id ${schemaId} cannot be read as the local ${writer.name}: ${errorMessage(cause)}`,
          { schemaId, cause },
        );
      }
    }
    const reader = { topicKey, type, resolver };
    this.#readers.set(schemaId, reader);
    return reader;
  }
}

function readBody(reader: Reader, body: Buffer, schemaId: number): unknown {
  try {
    return reader.type.fromBuffer(body, reader.resolver);
  } catch (cause) {
    const why = errorMessage(cause);
    throw new SerdeError(
      "malformed",
      `Avro body (${body.length} bytes) does not decode as ${reader.type.name} with schema id ${schemaId}: ${why === "trailing data" ? "trailing bytes after the event" : why}`,
      { schemaId, cause },
    );
  }
}

function schemaText(schema: string | object): string {
  return typeof schema === "string" ? schema : JSON.stringify(schema);
}
