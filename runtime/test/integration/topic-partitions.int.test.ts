// Configured partition counts against the real broker: LINGOSTREAM_TOPIC_SEGMENTS_PARTITIONS
// raises asr.segments on a cluster where it exists with fewer, and a lower
// count leaves the topic as it is and says so (Kafka cannot remove partitions).

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyTopics,
  connectionSpec,
  createKafka,
  createLogger,
  deleteTopicsWithPrefix,
  loadConfig,
  loadTopicSpecs,
  type TopicSpec,
  topicPartitionsSpec,
  withConfiguredPartitions,
} from "../../src/index.ts";

const config = loadConfig(connectionSpec, process.env);
const kafka = createKafka(config, createLogger({ level: "warn" }), "topic-partitions-test");
const admin = kafka.admin();
const prefix = `it-partitions-${randomBytes(3).toString("hex")}.`;
const segments = `${prefix}asr.segments`;
let specs: TopicSpec[];

const configured = (env: Record<string, string>) => withConfiguredPartitions(specs, loadConfig(topicPartitionsSpec, env));
const partitionsOf = async (topic: string) => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length;

describe("LINGOSTREAM_TOPIC_SEGMENTS_PARTITIONS", () => {
  beforeAll(async () => {
    await admin.connect();
    specs = (await loadTopicSpecs()).filter((s) => s.key === "segments");
    await applyTopics(admin, specs, { prefix, partitions: 2 });
  });
  afterAll(async () => {
    await deleteTopicsWithPrefix(admin, prefix);
    await admin.disconnect();
  });

  it("raises the partitions of an existing asr.segments", async () => {
    const changes = await applyTopics(admin, configured({ LINGOSTREAM_TOPIC_SEGMENTS_PARTITIONS: "4" }), { prefix });
    expect(changes).toEqual([{ topic: segments, action: "partitions-added", detail: "2 → 4" }]);
    expect(await partitionsOf(segments)).toBe(4);
  });

  it("keeps the partitions when fewer are configured, and says so", async () => {
    const changes = await applyTopics(admin, configured({ LINGOSTREAM_TOPIC_SEGMENTS_PARTITIONS: "3" }), { prefix });
    expect(changes).toEqual([{ topic: segments, action: "unchanged", detail: "4 partitions kept, 3 configured: Kafka cannot remove partitions" }]);
    expect(await partitionsOf(segments)).toBe(4);
  });
});
