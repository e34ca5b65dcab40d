// The serde against the real registry of the local stack (Apicurio's Confluent-
// compatible API unless SCHEMA_REGISTRY_URL says otherwise), under a prefix of its own.
// Registering, fetching by id and encoding go through @kafkajs/confluent-schema-registry,
// so this file is where the library-backed paths are proven.

import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSerdeError, type SerdeError, type SerdeErrorCode } from "../../src/errors.ts";
import { RegistryClient } from "../../src/registry-client.ts";
import { EventSerde } from "../../src/serde.ts";
import { parseSchema, TOPIC_KEYS, topicSchema, topicSchemaText } from "../../src/topic-schemas.ts";
import { encodeFrame } from "../../src/wire-format.ts";
import { sampleEvents, sampleSegment } from "../sample-events.ts";

const REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? "http://localhost:8081/apis/ccompat/v7";
const prefix = `it-schemas-${randomBytes(3).toString("hex")}.`;
const registry = new RegistryClient({ url: REGISTRY_URL, retries: 0 });
const newSerde = () => new EventSerde({ registryUrl: REGISTRY_URL, topicPrefix: prefix });

type Json = Record<string, unknown>;

async function serdeError(promise: Promise<unknown>, code: SerdeErrorCode): Promise<SerdeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isSerdeError(error)) throw new Error(`expected a SerdeError ${code}, got ${String(error)}`);
  expect(error.code, error.message).toBe(code);
  return error;
}

/** AudioSegment's schema with its fields changed, as a later version would be. */
function segmentsWith(change: (fields: Json[]) => Json[]): Json {
  const schema = structuredClone(topicSchema("segments")) as Json;
  schema.fields = change(schema.fields as Json[]);
  return schema;
}

beforeAll(async () => {
  // The stack may still be starting; wait for the registry rather than fail.
  const deadline = Date.now() + 150_000;
  for (;;) {
    try {
      await registry.subjects();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`schema registry at ${REGISTRY_URL} did not come up`, { cause: error });
      await sleep(2_000);
    }
  }
});

afterAll(async () => {
  const ours = (await registry.subjects()).filter((subject) => subject.startsWith(prefix));
  for (const subject of ours) await registry.deleteSubject(subject, true);
});

describe("EventSerde on the real registry", () => {
  it("registers all six value subjects under the prefix, with BACKWARD compatibility, idempotently", async () => {
    const serde = newSerde();
    const ids = await serde.registerAll();
    const subjects = await registry.subjects();
    for (const key of TOPIC_KEYS) {
      expect(subjects).toContain(serde.subject(key));
      expect(await registry.getCompatibility(serde.subject(key))).toBe("BACKWARD");
    }
    expect(serde.subject("segmentsFailed")).toBe(`${prefix}asr.segments.failed-value`);
    expect(await newSerde().registerAll()).toEqual(ids);
  });

  it.each(TOPIC_KEYS)("round-trips a %s event through the registry", async (key) => {
    const bytes = await newSerde().encode(key, sampleEvents()[key]);
    // A fresh serde has nothing cached: the writer schema comes from the registry.
    const decoded = await newSerde().decode(bytes);
    expect(decoded.topicKey).toBe(key);
    expect(decoded.value).toEqual(sampleEvents()[key]);
    expect(decoded.schemaId).toBe(bytes.readInt32BE(1));
  });

  it("gives 'unknown-schema-id' for an id the registry never issued", async () => {
    const error = await serdeError(newSerde().decode(encodeFrame(2_147_483_000, Buffer.from([0]))), "unknown-schema-id");
    expect(error).toMatchObject({ retriable: false, schemaId: 2_147_483_000 });
  });

  it("gives 'malformed' for bytes that are not a framed event, or whose body does not decode", async () => {
    const serde = newSerde();
    const good = await serde.encode("memoryPressure", sampleEvents().memoryPressure);
    await serdeError(serde.decode(Buffer.from("not avro at all")), "malformed");
    await serdeError(serde.decode(good.subarray(0, 4)), "malformed");
    await serdeError(newSerde().decode(good.subarray(0, good.length - 5)), "malformed");
    await serdeError(newSerde().decode(Buffer.concat([good, Buffer.from([0])])), "malformed");
  });

  it("gives 'malformed', fast, for a body claiming a billion words, with the writer schema fetched by id", async () => {
    const id = await newSerde().register("results");
    const results = topicSchema("results");
    const head = results.fields.slice(0, results.fields.findIndex((f) => (f as { name: string }).name === "words"));
    const prefixBytes = parseSchema({ type: "record", name: "Prefix", fields: head }).toBuffer(sampleEvents().results);
    const hostile = Buffer.concat([prefixBytes, parseSchema("long").toBuffer(2 ** 30), Buffer.from([2])]);
    const error = await serdeError(newSerde().decode(encodeFrame(id, hostile)), "malformed");
    expect(error.message).toMatch(/claims 1073741824 entries/);
    // The type the library builds for an id carries the bounded reads too.
    const writer = await new RegistryClient({ url: REGISTRY_URL }).schemaById(id);
    expect(() => writer.fromBuffer(hostile)).toThrow(/claims 1073741824 entries/);
  });

  it("gives 'incompatible-schema' for an id whose schema is not a lingostream event", async () => {
    const serde = newSerde();
    const other = { type: "record", name: "Other", namespace: "io.elsewhere", fields: [{ name: "x", type: "int" }] };
    const id = await serde.registerSchema(`${prefix}other-value`, other);
    const error = await serdeError(newSerde().decode(encodeFrame(id, Buffer.from([2]))), "incompatible-schema");
    expect(error.message).toMatch(/io\.elsewhere\.Other, not a lingostream event/);
  });

  it("leaves the level of an existing subject alone when registering", async () => {
    const serde = newSerde();
    const subject = `${prefix}forward-value`;
    await serde.setCompatibility(subject, "FORWARD");
    const id = await serde.registerSchema(subject, topicSchema("memoryTrends"));
    expect(await registry.getCompatibility(subject)).toBe("FORWARD");
    expect(await serde.registerSchema(subject, topicSchema("memoryTrends"))).toBe(id);
  });

  it("registers one new subject from many clients at once, as a fleet of workers starting together does", async () => {
    // Each client sets the new subject's level after registering; the registry
    // refuses all but the first of those racing writes with a 409.
    const subject = `${prefix}fleet-value`;
    const ids = await Promise.all(Array.from({ length: 16 }, () => newSerde().registerSchema(subject, topicSchema("memoryTrends"))));
    expect(new Set(ids).size).toBe(1);
    expect(await registry.getCompatibility(subject)).toBe("BACKWARD");
  });

  it.each([
    ["nothing listens at the registry URL", "http://127.0.0.1:9/apis/ccompat/v7", /^cannot reach the schema registry at http:\/\/127\.0\.0\.1:9\/apis\/ccompat\/v7 \(SCHEMA_REGISTRY_URL\): connection refused$/],
    ["the registry host does not resolve", "http://registry.invalid/apis/ccompat/v7", /^cannot reach the schema registry at http:\/\/registry\.invalid\/apis\/ccompat\/v7 \(SCHEMA_REGISTRY_URL\): host not found/],
  ])("gives retriable 'registry-unavailable' when %s, to decode and to register", async (_, registryUrl, why) => {
    const offline = new EventSerde({ registryUrl, retries: 0 });
    const fetching = await serdeError(offline.decode(encodeFrame(1, Buffer.from([0]))), "registry-unavailable");
    expect(fetching.retriable).toBe(true);
    expect(fetching.message).toMatch(why);
    const registering = await serdeError(offline.encode("segments", sampleSegment()), "registry-unavailable");
    expect(registering.message).toMatch(why);
  });

  describe("under BACKWARD compatibility", () => {
    const subject = `${prefix}evolution-value`;
    const serde = newSerde();

    beforeAll(async () => {
      await serde.setCompatibility(subject, "BACKWARD");
      await serde.registerSchema(subject, topicSchema("segments"));
    });

    it("accepts a new field with a default", async () => {
      const v2 = segmentsWith((fields) => [...fields, { name: "deadlineMs", type: "long", default: 0, doc: "Latest completion wanted, epoch ms (0: none)." }]);
      expect(await serde.checkCompatibility(subject, v2)).toMatchObject({ compatible: true });
      const id = await serde.registerSchema(subject, v2);
      // And the current code still reads what a v2 producer writes.
      const bytes = encodeFrame(id, parseSchema(v2).toBuffer({ ...sampleSegment(), deadlineMs: 3 }));
      expect((await newSerde().decodeAs("segments", bytes)).value).toEqual(sampleSegment());
    });

    it("rejects a new field without a default", async () => {
      const v3 = segmentsWith((fields) => [...fields, { name: "gpu", type: "string", doc: "GPU to use." }]);
      expect(await serde.checkCompatibility(subject, v3)).toMatchObject({ compatible: false });
      const error = await serdeError(serde.registerSchema(subject, v3), "incompatible-schema");
      expect(error.status).toBe(409);
    });

    it("rejects changing a field's type", async () => {
      const v3 = segmentsWith((fields) => fields.map((f) => (f.name === "index" ? { ...f, type: "string" } : f)));
      expect(await serde.checkCompatibility(subject, v3)).toMatchObject({ compatible: false });
      await serdeError(serde.registerSchema(subject, v3), "incompatible-schema");
    });
  });
});

describe("interoperability with the raw @kafkajs/confluent-schema-registry", () => {
  const raw = () => new SchemaRegistry({ host: REGISTRY_URL });

  it.each(TOPIC_KEYS)("a %s event encoded by registry.encode(id, value) decodes with EventSerde, and back", async (key) => {
    const value = sampleEvents()[key];
    const id = await newSerde().register(key);
    // The library learns the schema from the registry, as an independent producer would.
    const fromLibrary = await raw().encode(id, value);
    expect(await newSerde().decode(fromLibrary)).toEqual({ topicKey: key, schemaId: id, value });
    const fromSerde = await newSerde().encode(key, value);
    expect(await raw().decode(fromSerde)).toEqual(value);
    expect(fromSerde).toEqual(fromLibrary);
  });

  it("gets the same id for a topic schema registered by the library itself", async () => {
    const serde = newSerde();
    const id = await serde.register("segments");
    const registered = await raw().register(
      { type: SchemaType.AVRO, schema: topicSchemaText("segments") },
      { subject: serde.subject("segments") },
    );
    expect(registered.id).toBe(id);
  });
});
