// The registry agrees that the schema changes made for replay are BACKWARD
// compatible: AudioSegment.firstFailureTime (in asr.segments and embedded in
// asr.segments.failed) and the SegmentsReplayed branch of asr.jobs, each
// registered over the version before it under a subject of this test's own.

import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/registry-client.ts";
import { EventSerde } from "../../src/serde.ts";
import { type AvroRecordSchema, topicSchema } from "../../src/topic-schemas.ts";
import type { TopicKey } from "../../src/topics.ts";

const REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? "http://localhost:8081/apis/ccompat/v7";
const prefix = `it-replay-evolution-${randomBytes(3).toString("hex")}.`;
const registry = new RegistryClient({ url: REGISTRY_URL, retries: 0 });
const serde = new EventSerde({ registryUrl: REGISTRY_URL, topicPrefix: prefix });

type Json = Record<string, unknown>;

/** The schema as it was before replay: no firstFailureTime, no SegmentsReplayed. */
function previousVersion(key: TopicKey): AvroRecordSchema {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.filter((n) => (n as Json)?.name !== "SegmentsReplayed").map(strip);
    if (!node || typeof node !== "object") return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node as Json)) out[k] = strip(v);
    if (out.type === "record" && out.name === "AudioSegment") out.fields = (out.fields as Json[]).filter((f) => f.name !== "firstFailureTime");
    return out;
  };
  return strip(structuredClone(topicSchema(key))) as AvroRecordSchema;
}

afterAll(async () => {
  for (const subject of (await registry.subjects()).filter((s) => s.startsWith(prefix))) await registry.deleteSubject(subject, true);
});

describe("replay's schema changes on the real registry", () => {
  it.each(["segments", "segmentsFailed", "jobs"] as TopicKey[])("%s: the current schema registers over the previous one under BACKWARD", async (key) => {
    const subject = `${prefix}${key}-value`;
    const before = previousVersion(key);
    expect(JSON.stringify(before)).not.toEqual(JSON.stringify(topicSchema(key)));
    await serde.setCompatibility(subject, "BACKWARD");
    await serde.registerSchema(subject, before);
    expect(await serde.checkCompatibility(subject, topicSchema(key))).toMatchObject({ compatible: true });
    await serde.registerSchema(subject, topicSchema(key));
  });
});
