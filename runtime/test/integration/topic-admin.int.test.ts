// Topics as code against the real broker: apply creates, re-apply changes
// nothing, drift in partitions or config is corrected.

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import kafkajs from "kafkajs";
import { applyTopics, connectionSpec, createKafka, createLogger, deleteTopicsWithPrefix, loadConfig, loadTopicSpecs, type TopicSpec } from "../../src/index.ts";

const { ConfigResourceTypes } = kafkajs;
const config = loadConfig(connectionSpec, process.env);
const kafka = createKafka(config, createLogger({ level: "warn" }), "topic-admin-test");
const admin = kafka.admin();
const prefix = `it-topics-${randomBytes(3).toString("hex")}.`;
let specs: TopicSpec[];

describe("applyTopics", () => {
  beforeAll(async () => {
    await admin.connect();
    specs = await loadTopicSpecs();
  });
  afterAll(async () => {
    await deleteTopicsWithPrefix(admin, prefix);
    await admin.disconnect();
  });

  it("creates the six topics, then finds nothing to change", async () => {
    const first = await applyTopics(admin, specs, { prefix, partitions: 2 });
    expect(first.map((c) => c.action)).toEqual(Array(6).fill("created"));
    const second = await applyTopics(admin, specs, { prefix, partitions: 2 });
    expect(second.map((c) => c.action)).toEqual(Array(6).fill("unchanged"));
    const pressure = `${prefix}asr.memory.pressure`;
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: pressure, configNames: ["cleanup.policy"] }],
    });
    expect(described.resources[0]!.configEntries[0]!.configValue).toBe("compact");
  });

  it("adds partitions and corrects config drift", async () => {
    const results = `${prefix}asr.results`;
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: results, configEntries: [{ name: "retention.ms", value: "1000" }] }],
    });
    const changes = await applyTopics(admin, specs, { prefix, partitions: 3 });
    const forResults = changes.filter((c) => c.topic === results).map((c) => c.action);
    expect(forResults).toContain("partitions-added");
    expect(forResults).toContain("config-updated");
    const metadata = await admin.fetchTopicMetadata({ topics: [results] });
    expect(metadata.topics[0]!.partitions).toHaveLength(3);
  });
});
