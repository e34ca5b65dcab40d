import { isInfrastructureError, PipelineError } from "@lingostream/errors";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FAKE_REGISTRY_URL, type FakeRegistry, installFakeRegistry } from "../test/fake-registry.ts";
import { sampleEvents, sampleSegment } from "../test/sample-events.ts";
import { isSerdeError, type SerdeError, type SerdeErrorCode } from "./errors.ts";
import { EventSerde } from "./serde.ts";
import { parseSchema, topicSchema, topicSchemaText, topicType } from "./topic-schemas.ts";
import { encodeFrame } from "./wire-format.ts";

let registry: FakeRegistry;
beforeEach(() => {
  registry = installFakeRegistry();
});
afterEach(() => registry.restore());

const newSerde = () => new EventSerde({ registryUrl: FAKE_REGISTRY_URL, topicPrefix: "t1.", retries: 1, retryBaseMs: 1 });

async function serdeError(promise: Promise<unknown>, code: SerdeErrorCode): Promise<SerdeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isSerdeError(error)) throw new Error(`expected a SerdeError ${code}, got ${String(error)}`);
  expect(error.code, error.message).toBe(code);
  return error;
}

describe("EventSerde", () => {
  it("registers the topic's schema once, under <prefix><topic>-value with BACKWARD, then encodes from cache", async () => {
    const serde = newSerde();
    const first = await serde.encode("segments", sampleSegment());
    await serde.encode("segments", sampleSegment());
    // The library's register(): read the level, register, give the new subject BACKWARD.
    expect(registry.calls).toEqual([
      "GET /config/t1.asr.segments-value",
      "POST /subjects/t1.asr.segments-value/versions",
      "PUT /config/t1.asr.segments-value",
    ]);
    expect(await serde.registry.getCompatibility("t1.asr.segments-value")).toBe("BACKWARD");
    expect(first.readUInt8(0)).toBe(0);
    expect(registry.schemas.get(first.readInt32BE(1))).toBe(topicSchemaText("segments"));
    expect(first.subarray(5)).toEqual(topicType("segments").toBuffer(sampleSegment()));
  });

  it("leaves the level of an existing subject alone when registering", async () => {
    const serde = newSerde();
    await serde.setCompatibility("t1.asr.results-value", "NONE");
    registry.calls.length = 0;
    await serde.register("results");
    // The library refuses a level other than the one asked for; the client asks again with the subject's own.
    expect(registry.calls).toEqual([
      "GET /config/t1.asr.results-value",
      "GET /config/t1.asr.results-value",
      "GET /config/t1.asr.results-value",
      "POST /subjects/t1.asr.results-value/versions",
    ]);
    expect(await serde.registry.getCompatibility("t1.asr.results-value")).toBe("NONE");
  });

  it("decodes its own messages without asking the registry", async () => {
    const serde = newSerde();
    const bytes = await serde.encode("results", sampleEvents().results);
    registry.calls.length = 0;
    const decoded = await serde.decode(bytes);
    expect(decoded.topicKey).toBe("results");
    expect(decoded.value).toEqual(sampleEvents().results);
    expect(registry.calls).toEqual([]);
  });

  it("fetches an unknown writer schema once, even for concurrent decodes", async () => {
    const bytes = await newSerde().encode("jobs", sampleEvents().jobs);
    registry.calls.length = 0;
    const reader = newSerde();
    const all = await Promise.all([reader.decode(bytes), reader.decode(bytes), reader.decode(bytes)]);
    await reader.decode(bytes);
    expect(all.map((d) => d.topicKey)).toEqual(["jobs", "jobs", "jobs"]);
    expect(all[0]?.value).toEqual(sampleEvents().jobs);
    expect(registry.calls).toEqual([`GET /schemas/ids/${bytes.readInt32BE(1)}`]);
  });

  it("reads an older writer's message with the local schema, filling defaults", async () => {
    const older = structuredClone(topicSchema("segments"));
    older.fields = older.fields.filter((f) => (f as { name: string }).name !== "inlineAudio");
    registry.schemas.set(7, JSON.stringify(older));
    const { inlineAudio: _dropped, ...oldValue } = sampleSegment();
    const bytes = encodeFrame(7, parseSchema(older).toBuffer(oldValue));
    const decoded = await newSerde().decodeAs("segments", bytes);
    expect(decoded.value).toEqual({ ...oldValue, inlineAudio: null });
  });

  it("refuses to encode an invalid event, listing every bad path, before touching the registry", async () => {
    const bad = { ...sampleEvents().memoryTrends, samples: "30", level: "SEVERE" } as never;
    const error = await serdeError(newSerde().encode("memoryTrends", bad), "invalid-event");
    expect(error.paths).toEqual([
      "samples: expected int (32-bit integer), got '30'",
      'level: expected one of "LOW", "MODERATE", "HIGH", "CRITICAL", got \'SEVERE\'',
    ]);
    expect(error.message).toContain("invalid memoryTrends event (io.lingostream.events.PressureTrend): samples:");
    expect(error.retriable).toBe(false);
    expect(registry.calls).toEqual([]);
  });

  it("gives 'malformed' for bad framing without a registry call", async () => {
    await serdeError(newSerde().decode(Buffer.from([0, 0, 0])), "malformed");
    await serdeError(newSerde().decode(Buffer.from([7, 0, 0, 0, 1, 0])), "malformed");
    expect(registry.calls).toEqual([]);
  });

  it("gives 'malformed' for trailing bytes and truncated bodies", async () => {
    const serde = newSerde();
    const bytes = await serde.encode("memoryPressure", sampleEvents().memoryPressure);
    const trailing = await serdeError(serde.decode(Buffer.concat([bytes, Buffer.from([1])])), "malformed");
    expect(trailing.message).toMatch(/trailing bytes/);
    const truncated = await serdeError(serde.decode(bytes.subarray(0, bytes.length - 3)), "malformed");
    expect(truncated.message).toMatch(/MemoryPressure .*truncated/);
    expect(truncated.schemaId).toBe(bytes.readInt32BE(1));
  });

  it("gives 'malformed', fast, for a body claiming a billion words", async () => {
    const serde = newSerde();
    const id = await serde.register("results");
    const results = topicSchema("results");
    const head = results.fields.slice(0, results.fields.findIndex((f) => (f as { name: string }).name === "words"));
    const prefix = parseSchema({ type: "record", name: "Prefix", fields: head }).toBuffer(sampleEvents().results);
    const billion = parseSchema("long").toBuffer(2 ** 30);
    const hostile = encodeFrame(id, Buffer.concat([prefix, billion, Buffer.from([2])]));
    const error = await serdeError(serde.decode(hostile), "malformed");
    expect(error.message).toMatch(/claims 1073741824 entries/);
  });

  it("gives 'unknown-schema-id' when the registry has no such id", async () => {
    const error = await serdeError(newSerde().decode(encodeFrame(4242, Buffer.from([0]))), "unknown-schema-id");
    expect(error).toMatchObject({ schemaId: 4242, retriable: false, status: 404 });
  });

  it("gives retriable 'registry-unavailable' when the registry is unreachable or failing, after retrying", async () => {
    registry.outage = "refused";
    const refused = await serdeError(newSerde().decode(encodeFrame(5, Buffer.from([0]))), "registry-unavailable");
    expect(refused.retriable).toBe(true);
    expect(refused.message).toMatch(/fetch failed/);
    expect(refused.status).toBeUndefined();
    expect(registry.calls).toEqual(["GET /schemas/ids/5", "GET /schemas/ids/5"]);
    registry.outage = 503;
    const failing = await serdeError(newSerde().register("jobs"), "registry-unavailable");
    expect(failing).toMatchObject({ retriable: true, status: 503 });
    expect(failing.message).toMatch(/HTTP 503/);
  });

  it("words an unreachable registry as Kafka and S3 are worded, one PipelineError line naming SCHEMA_REGISTRY_URL", async () => {
    registry.outage = "refused";
    const serde = newSerde();
    const fetched = await serdeError(serde.decode(encodeFrame(5, Buffer.from([0]))), "registry-unavailable");
    const admin = await serdeError(serde.setCompatibility("t1.asr.jobs-value", "NONE"), "registry-unavailable");
    for (const error of [fetched, admin]) {
      expect(error).toBeInstanceOf(PipelineError);
      expect(isInfrastructureError(error)).toBe(true);
      expect(error.message).toMatch(`cannot reach the schema registry at ${FAKE_REGISTRY_URL} (SCHEMA_REGISTRY_URL): `);
      expect(error.details).toMatchObject({ address: FAKE_REGISTRY_URL, variable: "SCHEMA_REGISTRY_URL" });
    }
    // The plain fetch call keeps the socket error as the cause: its reason in a few words.
    expect(admin.details.reason).toBe("connection refused");
  });

  it("tells a 400 that is no registry answer by probing: unreachable is 'registry-unavailable', reachable 'registry-error'", async () => {
    const plain400 = () => new Response("Bad Request", { status: 400, headers: { "content-type": "text/plain" } });
    registry.intercept = (method) => (method === "HEAD" ? new TypeError("fetch failed") : plain400());
    const down = await serdeError(newSerde().decode(encodeFrame(5, Buffer.from([0]))), "registry-unavailable");
    expect(down.status).toBeUndefined();
    // One probe per try (retries: 1).
    expect(registry.calls).toEqual(["GET /schemas/ids/5", "HEAD /subjects", "GET /schemas/ids/5", "HEAD /subjects"]);
    registry.calls.length = 0;
    registry.intercept = (method) => (method === "HEAD" ? undefined : plain400());
    const refused = await serdeError(newSerde().decode(encodeFrame(5, Buffer.from([0]))), "registry-error");
    expect(refused.message).toMatch(/HTTP 400 .*Bad Request/);
    expect(registry.calls).toEqual(["GET /schemas/ids/5", "HEAD /subjects"]);
  });

  it("gives 'registry-error' for a registry's own 400 answer, without a probe", async () => {
    registry.intercept = () =>
      new Response(JSON.stringify({ error_code: 400, message: "bad subject" }), {
        status: 400,
        headers: { "content-type": "application/json" },
      });
    const error = await serdeError(newSerde().register("jobs"), "registry-error");
    expect(error).toMatchObject({ status: 400, retriable: false });
    expect(error.message).toMatch(/bad subject/);
    expect(registry.calls.filter((call) => call.startsWith("HEAD"))).toEqual([]);
  });

  it("does not remember a failed registration: the next encode tries again", async () => {
    const serde = newSerde();
    registry.outage = 503;
    await serdeError(serde.encode("jobs", sampleEvents().jobs), "registry-unavailable");
    registry.outage = undefined;
    await expect(serde.encode("jobs", sampleEvents().jobs)).resolves.toBeInstanceOf(Buffer);
  });

  it("gives 'incompatible-schema' for a schema id that is not a lingostream event", async () => {
    registry.schemas.set(9, JSON.stringify({ type: "record", name: "Other", namespace: "io.elsewhere", fields: [] }));
    const error = await serdeError(newSerde().decode(encodeFrame(9, Buffer.alloc(0))), "incompatible-schema");
    expect(error.message).toMatch(/io\.elsewhere\.Other, not a lingostream event/);
  });

  it("gives 'incompatible-schema' for a schema id that holds no Avro schema", async () => {
    registry.intercept = (method, path) =>
      method === "GET" && path === "/schemas/ids/11"
        ? new Response(JSON.stringify({ schema: '{"type":"object"}', schemaType: "JSON" }), {
            headers: { "content-type": "application/json" },
          })
        : undefined;
    const error = await serdeError(newSerde().decode(encodeFrame(11, Buffer.alloc(0))), "incompatible-schema");
    expect(error.message).toMatch(/schema id 11 is JSON, not Avro/);
  });

  it("gives 'registry-error', without a request, for a schema that is not valid Avro", async () => {
    const invalid = { type: "record", name: "Broken", fields: [{ name: "a", type: "no-such-type" }] };
    const error = await serdeError(newSerde().registerSchema("t1.broken-value", invalid), "registry-error");
    expect(error.message).toMatch(/no-such-type/);
    expect(registry.calls).toEqual([]);
  });

  it("gives 'incompatible-schema' from decodeAs when the bytes hold another topic's event", async () => {
    const serde = newSerde();
    const bytes = await serde.encode("segments", sampleSegment());
    const error = await serdeError(serde.decodeAs("results", bytes), "incompatible-schema");
    expect(error.message).toMatch(/writes io\.lingostream\.events\.AudioSegment, not the results event/);
  });
});
