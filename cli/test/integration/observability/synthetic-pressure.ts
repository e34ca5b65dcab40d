// Writes MemoryPressure samples and PressureTrend windows with chosen times and
// levels to the real topics, as a monitor would have (Kafka timestamp = event
// time), so the report can be checked against known answers and measured on
// long series.

import type { ServiceContext } from "@lingostream/runtime";
import type { MemoryPressure, PressureLevel, PressureTrend } from "@lingostream/schemas";
import type { Producer } from "kafkajs";

const LIMIT = 8 * 1024 ** 3;

export function pressureValue(sourceId: string, time: number, level: PressureLevel, usedRatio: number, intervalMs = 2000): MemoryPressure {
  const used = Math.round(usedRatio * LIMIT);
  return {
    sourceId,
    host: sourceId,
    instanceId: `synthetic-${sourceId}`,
    role: "pressure-monitor",
    level,
    reason: "heartbeat",
    usedRatio,
    usedBytes: used,
    limitBytes: LIMIT,
    availableBytes: LIMIT - used,
    rssBytes: 100_000_000,
    heapUsedBytes: 50_000_000,
    externalBytes: 1_000_000,
    arrayBuffersBytes: 1_000_000,
    psiSomeAvg10: null,
    psiFullAvg10: null,
    sampleIntervalMs: intervalMs,
    producerId: "synthetic",
    eventTime: time,
  };
}

export function trendValue(sourceId: string, windowStart: number, windowEnd: number, level: PressureLevel, secondsToCritical: number | null, extra: Partial<PressureTrend> = {}): PressureTrend {
  return {
    sourceId,
    host: sourceId,
    windowStart,
    windowEnd,
    samples: 30,
    slopeRatioPerSecond: 0,
    slopeBytesPerSecond: 0,
    ewmaRatio: 0.5,
    minRatio: 0.5,
    maxRatio: 0.5,
    meanRatio: 0.5,
    secondsToCritical,
    level,
    transitions: 0,
    producerId: "synthetic",
    eventTime: windowEnd,
    ...extra,
  };
}

export type SyntheticEvent = { topic: "memoryPressure"; value: MemoryPressure | null; key: string; time: number } | { topic: "memoryTrends"; value: PressureTrend; key: string; time: number };

/** Sends in batches of `batch`, keyed by source like the monitor does. */
export async function produceSynthetic(ctx: ServiceContext, producer: Producer, events: Iterable<SyntheticEvent>, batch = 2000): Promise<number> {
  let pending: { topic: string; messages: { key: string; value: Buffer | null; timestamp: string }[] }[] = [];
  let count = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    await producer.sendBatch({ topicMessages: pending, acks: -1 });
    pending = [];
  };
  let inBatch = 0;
  for (const e of events) {
    const topic = ctx.topics[e.topic];
    const value = e.value === null ? null : e.topic === "memoryPressure" ? await ctx.serde.encode("memoryPressure", e.value as MemoryPressure) : await ctx.serde.encode("memoryTrends", e.value);
    let entry = pending.find((p) => p.topic === topic);
    if (!entry) {
      entry = { topic, messages: [] };
      pending.push(entry);
    }
    entry.messages.push({ key: e.key, value, timestamp: String(e.time) });
    count++;
    if (++inBatch >= batch) {
      await flush();
      inBatch = 0;
    }
  }
  await flush();
  return count;
}
