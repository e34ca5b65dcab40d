// Gathers `lingostream status` from the cluster: group lag and members (admin),
// the latest MemoryPressure per source (a scan of the compacted topic), job
// events of a recent period (a bounded scan of asr.jobs) and the dead-letter
// count (end minus start offsets of asr.segments.failed).

import { lookup } from "node:dns/promises";
import { classifyKafkaError, type ServiceContext } from "@lingostream/runtime";
import { readJobEvent } from "@lingostream/schemas";
import { type PartitionOffsets, topicLag, type WatchedGroup } from "@lingostream/worker-host";
import { type Admin, AssignerProtocol } from "kafkajs";
import { scanTopics } from "../topic-scan/topic-scan.ts";
import {
  countJobEvent,
  emptyJobCounts,
  type GroupStatus,
  isStale,
  type JobCounts,
  type ProcessorStatus,
  processorLevel,
  type SourceStatus,
  type StatusReport,
  sourcesOfMember,
} from "./status-model.ts";
import { TenantTally } from "./tenant-tally.ts";

export interface ReadStatusOptions {
  groups: readonly WatchedGroup[];
  /** Job events from this time on are counted, epoch ms. */
  since: number;
  /**
   * The host this machine's pressure sources carry (runtime's pressureHost, as
   * the monitor and workers resolve it): a member on loopback shares this
   * machine, so it obeys the sources of this host.
   */
  pressureHost: string;
  now?: number;
}

/** Sources remembered at most; a cluster with more has bigger problems than this table. */
const MAX_SOURCES = 10_000;

export async function readStatus(ctx: ServiceContext, options: ReadStatusOptions): Promise<StatusReport> {
  const now = options.now ?? Date.now();
  const brokers = ctx.config.kafkaBrokers;
  const admin = ctx.kafka.admin();
  try {
    await admin.connect();
    const tally = new TenantTally(now);
    const [groupParts, sources, jobs] = await Promise.all([
      readGroups(admin, options.groups),
      latestPressure(ctx, now),
      countJobs(ctx, options.since, tally),
      tallySegments(ctx, options.since, now, tally),
    ]);
    const deadLetters = (await topicOffsets(admin, ctx.topics.segmentsFailed)).reduce((sum, o) => sum + Number(BigInt(o.high) - BigInt(o.low)), 0);
    const addresses = await resolveHosts(sources.map((s) => s.host));
    const processors: ProcessorStatus[] = groupParts.members.map((m) => {
      const mine = sourcesOfMember(m.host, sources, (h) => addresses.get(h) ?? [], options.pressureHost);
      return { ...m, ...processorLevel(mine), sources: mine.map((s) => s.sourceId) };
    });
    return { at: now, groups: groupParts.groups, processors, sources, jobs, deadLetters, tenants: tally.report(), tenantJobsUntracked: tally.untracked };
  } catch (err) {
    throw classifyKafkaError(err, brokers);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

type MemberPart = Omit<ProcessorStatus, "level" | "paused" | "sources">;

async function readGroups(admin: Admin, watched: readonly WatchedGroup[]): Promise<{ groups: GroupStatus[]; members: MemberPart[] }> {
  const existing = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
  const present = watched.filter((w) => existing.has(w.group));
  const described = present.length > 0 ? (await admin.describeGroups(present.map((w) => w.group))).groups : [];
  const ends = new Map<string, PartitionOffsets[]>();
  const groups: GroupStatus[] = [];
  const members: MemberPart[] = [];
  for (const w of watched) {
    const description = described.find((d) => d.groupId === w.group);
    const topics = [];
    for (const topic of w.topics) {
      if (!ends.has(topic)) ends.set(topic, await topicOffsets(admin, topic));
      // A group that never committed has no offsets; everything retained is its lag.
      const committed = existing.has(w.group) ? ((await admin.fetchOffsets({ groupId: w.group, topics: [topic] }))[0]?.partitions ?? []) : [];
      topics.push(topicLag(topic, ends.get(topic)!, committed));
    }
    groups.push({
      group: w.group,
      role: w.role,
      state: description?.state ?? (existing.has(w.group) ? "Unknown" : "Absent"),
      members: description?.members.length ?? 0,
      lag: topics.reduce((sum, t) => sum + t.lag, 0),
      topics,
    });
    for (const m of description?.members ?? []) {
      members.push({ group: w.group, role: w.role, clientId: m.clientId, memberId: m.memberId, host: m.clientHost.replace(/^\//, ""), partitions: assignedPartitions(m.memberAssignment) });
    }
  }
  return { groups, members };
}

function assignedPartitions(assignment: Buffer): string[] {
  if (assignment.length === 0) return [];
  try {
    const decoded = AssignerProtocol.MemberAssignment.decode(assignment);
    return Object.entries(decoded?.assignment ?? {}).map(([topic, partitions]) => `${topic}[${[...partitions].sort((a, b) => a - b).join(",")}]`);
  } catch {
    // Another client's assignor format: the member still counts, its partitions are unknown.
    return [];
  }
}

export async function topicOffsets(admin: Admin, topic: string): Promise<PartitionOffsets[]> {
  return (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
}

/** The latest MemoryPressure of every source still on the compacted topic (withdrawn ones removed). */
async function latestPressure(ctx: ServiceContext, now: number): Promise<SourceStatus[]> {
  const latest = new Map<string, SourceStatus>();
  type Item = { sourceId: string; time: number; status: SourceStatus | undefined };
  await scanTopics<Item>({
    kafka: ctx.kafka,
    topics: [ctx.topics.memoryPressure],
    groupId: `${ctx.config.kafkaClientId}-status-pressure-${ctx.instanceId}`,
    brokers: ctx.config.kafkaBrokers,
    logger: ctx.logger,
    timeOf: (item) => item.time,
    async decode(_topic, message) {
      const key = message.key?.toString("utf8");
      if (!message.value) return key ? { sourceId: key, time: Number(message.timestamp), status: undefined } : undefined;
      try {
        const v = (await ctx.serde.decodeAs("memoryPressure", message.value)).value;
        const status: SourceStatus = {
          sourceId: v.sourceId,
          host: v.host,
          role: v.role,
          level: v.level,
          usedRatio: v.usedRatio,
          eventTime: v.eventTime,
          stale: isStale(v.eventTime, v.sampleIntervalMs, now),
        };
        return { sourceId: v.sourceId, time: v.eventTime, status };
      } catch (err) {
        if ((err as { retriable?: boolean }).retriable) throw err;
        return undefined;
      }
    },
    onItem(item) {
      if (!item.status) latest.delete(item.sourceId);
      else if (latest.has(item.sourceId) || latest.size < MAX_SOURCES) latest.set(item.sourceId, item.status);
    },
  });
  return [...latest.values()].sort((a, b) => a.sourceId.localeCompare(b.sourceId));
}

async function countJobs(ctx: ServiceContext, since: number, tally: TenantTally): Promise<JobCounts> {
  const counts = emptyJobCounts(since);
  type Item = { type: string; time: number; tenant: string; jobId: string; segmentCount?: number };
  await scanTopics<Item>({
    kafka: ctx.kafka,
    topics: [ctx.topics.jobs],
    groupId: `${ctx.config.kafkaClientId}-status-jobs-${ctx.instanceId}`,
    brokers: ctx.config.kafkaBrokers,
    logger: ctx.logger,
    since,
    timeOf: (item) => item.time,
    async decode(_topic, message) {
      if (!message.value) return undefined;
      try {
        const { type, event } = readJobEvent((await ctx.serde.decodeAs("jobs", message.value)).value);
        const segmentCount = type === "JobSegmented" ? event.segmentCount : undefined;
        return { type, time: event.eventTime, tenant: event.tenant, jobId: event.jobId, segmentCount };
      } catch (err) {
        if ((err as { retriable?: boolean }).retriable) throw err;
        return undefined;
      }
    },
    onItem: (item) => {
      countJobEvent(counts, item.type);
      tally.jobEvent(item.type, item.tenant, item.jobId, item.segmentCount);
    },
  });
  return counts;
}

/** Segments transcribed (the period, and the last hour for the ASR time) and dead-lettered (the period), by tenant. */
async function tallySegments(ctx: ServiceContext, since: number, now: number, tally: TenantTally): Promise<void> {
  type Item = { topic: string; tenant: string; time: number; processingMs: number };
  await scanTopics<Item>({
    kafka: ctx.kafka,
    topics: [ctx.topics.results, ctx.topics.segmentsFailed],
    groupId: `${ctx.config.kafkaClientId}-status-segments-${ctx.instanceId}`,
    brokers: ctx.config.kafkaBrokers,
    logger: ctx.logger,
    since: Math.min(since, now - 3_600_000),
    timeOf: (item) => item.time,
    async decode(topic, message) {
      if (!message.value) return undefined;
      try {
        if (topic === ctx.topics.results) {
          const r = (await ctx.serde.decodeAs("results", message.value)).value;
          return { topic, tenant: r.tenant, time: r.eventTime, processingMs: r.processingMs };
        }
        const f = (await ctx.serde.decodeAs("segmentsFailed", message.value)).value;
        return { topic, tenant: f.tenant, time: f.eventTime, processingMs: 0 };
      } catch (err) {
        if ((err as { retriable?: boolean }).retriable) throw err;
        return undefined;
      }
    },
    onItem(item) {
      if (item.topic === ctx.topics.results) tally.result(item.tenant, item.time, item.processingMs, item.time >= since);
      else if (item.time >= since) tally.deadLetter(item.tenant);
    },
  });
}

/** Addresses of each source host; a name that does not resolve (quickly) has none. */
async function resolveHosts(hosts: readonly string[]): Promise<Map<string, string[]>> {
  const unique = [...new Set(hosts)].slice(0, 256);
  const entries = await Promise.all(
    unique.map(async (host): Promise<[string, string[]]> => {
      const timeout = new Promise<string[]>((resolve) => setTimeout(() => resolve([]), 2000).unref());
      const found = lookup(host, { all: true }).then(
        (all) => all.map((a) => a.address),
        () => [] as string[],
      );
      return [host, await Promise.race([found, timeout])];
    }),
  );
  return new Map(entries);
}
