// Each topic's value schema: schemas/avro/<topic name>.avsc, parsed once into an avsc
// Type built with the options every reader, writer and the type generator share.

import { readFileSync } from "node:fs";
import avro from "avsc";
import { boundedCollectionsHook } from "./bounded-reads.ts";
import { type TopicKey, Topics } from "./topics.ts";

export const AVRO_DIR = new URL("../avro/", import.meta.url);

export const TOPIC_KEYS = Object.keys(Topics) as TopicKey[];

/** A record schema as written in a .avsc file. */
export interface AvroRecordSchema {
  type: "record";
  name: string;
  namespace?: string;
  doc?: string;
  fields: unknown[];
  [attribute: string]: unknown;
}

type ForSchemaOptions = NonNullable<Parameters<typeof avro.Type.forSchema>[1]>;

/**
 * "auto" leaves `T | null` unions bare and wraps unions of several records as
 * { "<full name>": value } (the only way to tell the branches apart); the
 * generated types rely on exactly this. A fresh object each call, because
 * forSchema keeps its registry of named types inside the options.
 */
export function avroOptions(): ForSchemaOptions {
  return { wrapUnions: "auto", typeHook: boundedCollectionsHook as ForSchemaOptions["typeHook"] };
}

/** Builds the avsc Type for any schema, local file or registry answer. */
export function parseSchema(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, avroOptions());
}

export function schemaFileName(topicKey: TopicKey): string {
  return `${Topics[topicKey]}.avsc`;
}

const rawCache = new Map<TopicKey, AvroRecordSchema>();
const typeCache = new Map<TopicKey, avro.Type>();

/** The parsed .avsc JSON of a topic's value schema. */
export function topicSchema(topicKey: TopicKey): AvroRecordSchema {
  let schema = rawCache.get(topicKey);
  if (!schema) {
    const text = readFileSync(new URL(schemaFileName(topicKey), AVRO_DIR), "utf8");
    schema = JSON.parse(text) as AvroRecordSchema;
    if (schema.type !== "record") {
      throw new Error(`${schemaFileName(topicKey)}: a topic value schema must be a record`);
    }
    rawCache.set(topicKey, schema);
  }
  return schema;
}

/** The schema text sent to the registry: compact JSON, docs included. */
export function topicSchemaText(topicKey: TopicKey): string {
  return JSON.stringify(topicSchema(topicKey));
}

export function topicType(topicKey: TopicKey): avro.Type {
  let type = typeCache.get(topicKey);
  if (!type) {
    type = parseSchema(topicSchema(topicKey));
    typeCache.set(topicKey, type);
  }
  return type;
}

/** Full name of the record a topic carries, e.g. "io.lingostream.events.AudioSegment". */
export function topicRecordName(topicKey: TopicKey): string {
  const name = topicType(topicKey).name;
  if (!name) throw new Error(`${schemaFileName(topicKey)}: value schema has no name`);
  return name;
}

/** Which topic carries records of this full name; undefined for foreign schemas. */
export function topicKeyForRecord(fullName: string | undefined): TopicKey | undefined {
  return TOPIC_KEYS.find((key) => topicRecordName(key) === fullName);
}
