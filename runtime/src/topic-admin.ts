// Topics as code: the definitions in infra/topics/topics.json, applied
// idempotently (create what is missing, add partitions, correct config drift).
// Partition counts of the scaled topics can be set by config: they bound how
// many consumers of a group do work, so they follow the replicas a cluster runs.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { type RetryPolicy, retry } from "@lingostream/errors";
import type { TopicKey } from "@lingostream/schemas";
import kafkajs, { type Admin, type ITopicConfig } from "kafkajs";
import { type ConfigOf, type Field, int } from "./config.ts";

// kafkajs is CommonJS: Node's ESM loader sees only some of its named exports.
const { ConfigResourceTypes } = kafkajs;

export interface TopicSpec {
  key: TopicKey;
  name: string;
  partitions: number;
  replicationFactor: number;
  config: Record<string, string>;
}

// An installed package carries a copy beside its compiled modules (its
// build:dist copies it); the checkout reads the one in infra/topics.
const PACKAGED_TOPICS_FILE = new URL("./topics.json", import.meta.url);
export const DEFAULT_TOPICS_FILE = existsSync(PACKAGED_TOPICS_FILE) ? PACKAGED_TOPICS_FILE : new URL("../../infra/topics/topics.json", import.meta.url);

export async function loadTopicSpecs(file: URL | string = DEFAULT_TOPICS_FILE): Promise<TopicSpec[]> {
  const parsed = JSON.parse(await readFile(file, "utf8")) as { topics: TopicSpec[] };
  return parsed.topics;
}

/** An optional count: unset keeps the count in topics.json. */
function partitionCount(env: string, doc: string): Field<number | undefined> {
  return { ...int({ env, doc, default: 1, min: 1, max: 10_000 }), default: undefined };
}

export const topicPartitionsSpec = {
  jobs: partitionCount("LINGOSTREAM_TOPIC_JOBS_PARTITIONS", "partitions of asr.jobs, applied by `topics apply` (raised on an existing topic, never lowered: Kafka cannot remove partitions); at most this many segmenters work at once; unset: infra/topics/topics.json (6)"),
  segments: partitionCount(
    "LINGOSTREAM_TOPIC_SEGMENTS_PARTITIONS",
    "partitions of asr.segments, applied like the above; at most this many ASR processors work at once, so keep it at least the most ASR replicas you run; unset: infra/topics/topics.json (12)",
  ),
  results: partitionCount("LINGOSTREAM_TOPIC_RESULTS_PARTITIONS", "partitions of asr.results, applied like the above; at most this many S3 sinks work at once; unset: infra/topics/topics.json (12)"),
};

export type TopicPartitionsConfig = ConfigOf<typeof topicPartitionsSpec>;

/** The specs with the configured partition counts in place of topics.json's. */
export function withConfiguredPartitions(specs: readonly TopicSpec[], config: TopicPartitionsConfig): TopicSpec[] {
  const counts: Partial<Record<TopicKey, number | undefined>> = config;
  return specs.map((spec) => ({ ...spec, partitions: counts[spec.key] ?? spec.partitions }));
}

export interface TopicChange {
  topic: string;
  action: "created" | "partitions-added" | "config-updated" | "unchanged";
  detail?: string;
}

/** Fits specs to the cluster: replication and min ISR never exceed the broker count. */
export function fitToCluster(spec: TopicSpec, brokerCount: number, prefix: string, partitionsOverride?: number): TopicSpec {
  const replicationFactor = Math.max(1, Math.min(spec.replicationFactor, brokerCount));
  const config = { ...spec.config };
  if (config["min.insync.replicas"] !== undefined) {
    config["min.insync.replicas"] = String(Math.max(1, Math.min(Number(config["min.insync.replicas"]), replicationFactor - 1 || 1)));
  }
  return { ...spec, name: `${prefix}${spec.name}`, replicationFactor, partitions: partitionsOverride ?? spec.partitions, config };
}

export async function applyTopics(
  admin: Admin,
  specs: TopicSpec[],
  options: { prefix?: string; partitions?: number } = {},
): Promise<TopicChange[]> {
  const cluster = await admin.describeCluster();
  const fitted = specs.map((s) => fitToCluster(s, cluster.brokers.length, options.prefix ?? "", options.partitions));
  const existing = new Set(await admin.listTopics());
  const changes: TopicChange[] = [];

  const missing = fitted.filter((s) => !existing.has(s.name));
  if (missing.length > 0) {
    const topics: ITopicConfig[] = missing.map((s) => ({
      topic: s.name,
      numPartitions: s.partitions,
      replicationFactor: s.replicationFactor,
      configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
    }));
    await admin.createTopics({ topics, waitForLeaders: true });
    for (const s of missing) changes.push({ topic: s.name, action: "created", detail: `${s.partitions} partitions` });
  }

  const present = fitted.filter((s) => existing.has(s.name));
  if (present.length === 0) return changes;
  const metadata = await admin.fetchTopicMetadata({ topics: present.map((s) => s.name) });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.name, configNames: Object.keys(s.config) })),
  });
  for (const s of present) {
    const current = metadata.topics.find((t) => t.name === s.name);
    const currentPartitions = current?.partitions.length ?? 0;
    // A lower count than the topic has is not an error (the topic still works) but is said, since it cannot take effect.
    const kept = currentPartitions > s.partitions ? `${currentPartitions} partitions kept, ${s.partitions} configured: Kafka cannot remove partitions` : undefined;
    let changed = false;
    if (currentPartitions < s.partitions) {
      await admin.createPartitions({ topicPartitions: [{ topic: s.name, count: s.partitions }] });
      changes.push({ topic: s.name, action: "partitions-added", detail: `${currentPartitions} → ${s.partitions}` });
      changed = true;
    }
    const entries = described.resources.find((r) => r.resourceName === s.name)?.configEntries ?? [];
    const drift = Object.entries(s.config).filter(([name, value]) => entries.find((e) => e.configName === name)?.configValue !== value);
    if (drift.length > 0) {
      // incrementalAlterConfigs is not in kafkajs; alterConfigs replaces the
      // topic's dynamic config, so send the whole desired set.
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: s.name, configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })) }],
      });
      const detail = drift.map(([n, v]) => `${n}=${v}`).join(", ");
      changes.push({ topic: s.name, action: "config-updated", detail: kept ? `${detail}; ${kept}` : detail });
      changed = true;
    }
    if (!changed) changes.push({ topic: s.name, action: "unchanged", ...(kept ? { detail: kept } : {}) });
  }
  return changes;
}

export async function deleteTopicsWithPrefix(admin: Admin, prefix: string): Promise<void> {
  if (!prefix) throw new Error("refusing to delete topics without a prefix");
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
}

/**
 * admin.fetchTopicOffsets, retrying what kafkajs gives up on at once: a topic
 * created moments ago answers NOT_LEADER (retriable) until its leader is in
 * place, which a worker or watcher started right after `topics apply` meets.
 */
export function fetchTopicOffsetsRetrying(
  admin: Admin,
  topic: string,
  policy: RetryPolicy = { retries: 6, minDelayMs: 100, maxDelayMs: 2000, factor: 2 },
): ReturnType<Admin["fetchTopicOffsets"]> {
  return retry(() => admin.fetchTopicOffsets(topic), policy, { isRetriable: (err) => (err as { retriable?: unknown })?.retriable === true });
}
