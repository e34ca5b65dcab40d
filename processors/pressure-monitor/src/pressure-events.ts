// The monitor's two events built from a sample: MemoryPressure (the current
// state, compacted per source) and PressureTrend (the window's analysis).

import type { MemorySample, MemoryScope, MemoryUsage, PressureLevel, TrendStats } from "@lingostream/runtime";
import type { MemoryPressure, PressureTrend } from "@lingostream/schemas";

export type PressureReason = "heartbeat" | "level-change";

export interface EventIdentity {
  sourceId: string;
  host: string;
  instanceId: string;
  role: string;
}

/**
 * Who the events say they are from. The host is what workers match against
 * their own, so it must name the machine (the node on Kubernetes), not the
 * process; the key defaults to the host in host scope, where one monitor per
 * machine speaks for it, and to one key per process in process scope.
 */
export function eventIdentity(options: { sourceId: string | undefined; host: string; scope: MemoryScope; role: string; instanceId: string }): EventIdentity {
  const { host, role, instanceId } = options;
  return { sourceId: options.sourceId ?? (options.scope === "host" ? host : `${host}/${role}/${instanceId}`), host, instanceId, role };
}

export function pressureEvent(
  id: EventIdentity,
  sample: MemorySample,
  usage: MemoryUsage,
  level: PressureLevel,
  reason: PressureReason,
  sampleIntervalMs: number,
): MemoryPressure {
  return {
    sourceId: id.sourceId,
    host: id.host,
    instanceId: id.instanceId,
    role: id.role,
    level,
    reason,
    usedRatio: usage.usedRatio,
    // Avro longs: whole bytes only.
    usedBytes: Math.round(usage.usedBytes),
    limitBytes: Math.round(usage.limitBytes),
    availableBytes: Math.round(usage.availableBytes),
    rssBytes: sample.process.rssBytes,
    heapUsedBytes: sample.process.heapUsedBytes,
    externalBytes: sample.process.externalBytes,
    arrayBuffersBytes: sample.process.arrayBuffersBytes,
    psiSomeAvg10: sample.psi?.someAvg10 ?? null,
    psiFullAvg10: sample.psi?.fullAvg10 ?? null,
    sampleIntervalMs,
    producerId: id.instanceId,
    eventTime: sample.time,
  };
}

export function trendEvent(id: EventIdentity, stats: TrendStats, eventTime: number): PressureTrend {
  return {
    sourceId: id.sourceId,
    host: id.host,
    windowStart: stats.windowStart,
    windowEnd: stats.windowEnd,
    samples: stats.samples,
    slopeRatioPerSecond: stats.slopeRatioPerSecond,
    slopeBytesPerSecond: stats.slopeBytesPerSecond,
    ewmaRatio: stats.ewmaRatio,
    minRatio: stats.minRatio,
    maxRatio: stats.maxRatio,
    meanRatio: stats.meanRatio,
    secondsToCritical: stats.secondsToCritical,
    level: stats.level,
    transitions: stats.transitions,
    producerId: id.instanceId,
    eventTime,
  };
}
