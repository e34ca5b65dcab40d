import { readdirSync } from "node:fs";
import type avro from "avsc";
import { describe, expect, it } from "vitest";
import { sampleEvents } from "../test/sample-events.ts";
import { AVRO_DIR, parseSchema, schemaFileName, TOPIC_KEYS, topicSchema, topicType } from "./topic-schemas.ts";
import { collectNamedTypes } from "./type-generator.ts";

type Json = Record<string, unknown>;

/** Every record, enum and field in a schema, with a path for failure messages. */
function documentable(schema: unknown, path: string, out: { path: string; node: Json }[] = []) {
  if (Array.isArray(schema)) {
    schema.forEach((branch, i) => {
      documentable(branch, `${path}[${i}]`, out);
    });
  } else if (schema && typeof schema === "object") {
    const node = schema as Json;
    if (node.type === "record" || node.type === "enum") out.push({ path: `${path}<${String(node.name)}>`, node });
    if (node.type === "record") {
      for (const field of node.fields as Json[]) {
        const at = `${path}<${String(node.name)}>.${String(field.name)}`;
        out.push({ path: at, node: field });
        documentable(field.type, at, out);
      }
    }
    if (node.type === "array") documentable(node.items, `${path}[]`, out);
    if (node.type === "map") documentable(node.values, `${path}{}`, out);
  }
  return out;
}

describe("schemas/avro", () => {
  it("has exactly one .avsc file per topic, named after the topic", () => {
    const files = readdirSync(AVRO_DIR).filter((f) => f.endsWith(".avsc"));
    expect(files.sort()).toEqual(TOPIC_KEYS.map(schemaFileName).sort());
  });

  it.each(TOPIC_KEYS)("%s: the schema parses with avsc and is a record in io.lingostream.events", (key) => {
    const type = topicType(key);
    expect(type.typeName).toBe("record");
    expect(type.name).toMatch(/^io\.lingostream\.events\.[A-Z]\w+$/);
    expect(topicSchema(key).namespace).toBe("io.lingostream.events");
  });

  it.each(TOPIC_KEYS)("%s: every record, enum and field has a doc string", (key) => {
    const undocumented = documentable(topicSchema(key), schemaFileName(key))
      .filter(({ node }) => typeof node.doc !== "string" || node.doc.trim() === "")
      .map(({ path }) => path);
    expect(undocumented).toEqual([]);
  });

  it.each(TOPIC_KEYS)("%s: every event carries producerId and eventTime as a plain long", (key) => {
    const type = topicType(key) as avro.types.RecordType;
    // asr.jobs wraps its events in a union; check each branch.
    const events =
      type.fields.length === 1 && type.fields[0]?.type.typeName === "union:wrapped"
        ? (type.fields[0].type as avro.types.WrappedUnionType).types
        : [type];
    for (const event of events as avro.types.RecordType[]) {
      expect(event.field("producerId")?.type.typeName, event.name).toBe("string");
      // A logicalType would turn it into a Date; producers and readers expect epoch millis.
      expect(event.field("eventTime")?.type.schema(), event.name).toBe("long");
    }
  });

  it("defines shared named types (AudioSegment, PressureLevel, ...) identically in every file", () => {
    const roots = TOPIC_KEYS.map((key) => ({ file: schemaFileName(key), node: topicType(key) as never, raw: topicSchema(key) }));
    expect(() => collectNamedTypes(roots)).not.toThrow();
    const named = [...collectNamedTypes(roots).keys()];
    expect(named).toEqual(expect.arrayContaining(["io.lingostream.events.AudioSegment", "io.lingostream.events.PressureLevel"]));
  });

  it("spots a shared type that drifted between files", () => {
    const pressure = topicSchema("memoryPressure");
    const drifted = structuredClone(topicSchema("memoryTrends")) as Json;
    const levelField = (drifted.fields as Json[]).find((f) => f.name === "level") as Json;
    // Only the default differs: avsc's schema() would not even show it.
    (levelField.type as Json).default = "CRITICAL";
    const roots = [
      { file: "asr.memory.pressure.avsc", node: parseSchema(pressure) as never, raw: pressure },
      { file: "asr.memory.trends.avsc", node: parseSchema(drifted) as never, raw: drifted },
    ];
    expect(() => collectNamedTypes(roots)).toThrow(/PressureLevel is defined differently/);
  });

  it("gives enums a default symbol, so a reader survives symbols added later", () => {
    const newer = structuredClone(topicSchema("memoryPressure")) as Json;
    const level = (newer.fields as Json[]).find((f) => f.name === "level") as Json;
    (level.type as Json).symbols = ["LOW", "MODERATE", "HIGH", "CRITICAL", "MELTDOWN"];
    const writer = parseSchema(newer);
    const reader = topicType("memoryPressure");
    const bytes = writer.toBuffer({ ...sampleEvents().memoryPressure, level: "MELTDOWN" });
    expect(reader.fromBuffer(bytes, reader.createResolver(writer)).level).toBe("HIGH");

    const errorClass = (topicSchema("segmentsFailed").fields as Json[]).find((f) => f.name === "errorClass") as Json;
    expect(errorClass.type).toMatchObject({ default: "unknown" });
  });

  it.each(TOPIC_KEYS)("%s: the sample event is valid and survives an Avro round trip", (key) => {
    const value = sampleEvents()[key];
    const type = topicType(key);
    expect(type.isValid(value, { noUndeclaredFields: true })).toBe(true);
    expect(type.fromBuffer(type.toBuffer(value))).toEqual(value);
  });
});
