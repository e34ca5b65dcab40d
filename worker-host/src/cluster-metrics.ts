// Cluster-level series no single service can count for itself: consumer lag
// per group and topic, and the dead letters held by asr.segments.failed. Read
// from the admin API at scrape time, at most every `minIntervalMs`, so a busy
// Prometheus does not turn into a busy broker. Every process that serves
// /metrics exports them; alert rules take the max over instances.

import { Counter, Gauge, type Registry, type ServiceContext } from "@lingostream/runtime";
import type { Admin } from "kafkajs";
import { topicLag } from "./topic-lag.ts";
import type { WatchedGroup } from "./watched-groups.ts";

export interface ClusterMetrics {
  /** Reads the cluster now (tests; a scrape does it by itself). */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

export const CLUSTER_METRIC_NAMES = {
  lag: "lingostream_cluster_consumer_lag_messages",
  deadLetters: "lingostream_cluster_dead_letters_messages",
  errors: "lingostream_cluster_metrics_errors_total",
} as const;

export function startClusterMetrics(ctx: ServiceContext, registry: Registry, groups: readonly WatchedGroup[], options: { minIntervalMs?: number } = {}): ClusterMetrics {
  const minIntervalMs = options.minIntervalMs ?? 15_000;
  let admin: Admin | undefined;
  let last = 0;
  let inFlight: Promise<void> | undefined;
  let stopped = false;
  const lag = new Map<string, { group: string; topic: string; lag: number }>();
  let deadLetters: number | undefined;

  const errors = new Counter({ name: CLUSTER_METRIC_NAMES.errors, help: "cluster reads for these metrics that failed (the last values stay)", registers: [registry] });

  const read = async () => {
    if (stopped) return;
    if (!admin) {
      const fresh = ctx.kafka.admin();
      await fresh.connect();
      admin = fresh;
    }
    const existing = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
    const ends = new Map<string, { partition: number; low: string; high: string }[]>();
    const endsOf = async (topic: string) => {
      let e = ends.get(topic);
      if (!e) {
        e = (await admin!.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
        ends.set(topic, e);
      }
      return e;
    };
    for (const g of groups) {
      for (const topic of g.topics) {
        const committed = existing.has(g.group) ? ((await admin.fetchOffsets({ groupId: g.group, topics: [topic] }))[0]?.partitions ?? []) : [];
        lag.set(`${g.group}\u0000${topic}`, { group: g.group, topic, lag: topicLag(topic, await endsOf(topic), committed).lag });
      }
    }
    deadLetters = (await endsOf(ctx.topics.segmentsFailed)).reduce((sum, o) => sum + Number(BigInt(o.high) - BigInt(o.low)), 0);
    last = Date.now();
  };

  const refresh = (force = false): Promise<void> => {
    if (!force && Date.now() - last < minIntervalMs) return Promise.resolve();
    inFlight ??= read()
      .catch((err: unknown) => {
        errors.inc();
        ctx.logger.warn({ err }, "could not read consumer lag for /metrics");
        // A broken connection is rebuilt on the next scrape.
        const broken = admin;
        admin = undefined;
        return broken?.disconnect().catch(() => {});
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  new Gauge({
    name: CLUSTER_METRIC_NAMES.lag,
    help: "messages of the topic not yet consumed by the consumer group (never-committed partitions count from their start)",
    labelNames: ["group", "topic"],
    registers: [registry],
    async collect() {
      await refresh();
      for (const l of lag.values()) this.set({ group: l.group, topic: l.topic }, l.lag);
    },
  });
  new Gauge({
    name: CLUSTER_METRIC_NAMES.deadLetters,
    help: "dead letters held by the failed-segments topic (end minus start offsets)",
    labelNames: ["topic"],
    registers: [registry],
    async collect() {
      await refresh();
      if (deadLetters !== undefined) this.set({ topic: ctx.topics.segmentsFailed }, deadLetters);
    },
  });

  return {
    refresh: () => refresh(true),
    async stop() {
      stopped = true;
      await inFlight;
      await admin?.disconnect().catch(() => {});
      admin = undefined;
    },
  };
}
