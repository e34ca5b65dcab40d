// Turns a sample into "used of limit": the effective limit is the tightest of
// the cgroup limit, host memory and an operator override. Two views: the host
// (everything on the machine or in the container) and one process (its RSS).

import type { MemorySample } from "./sampler.ts";

/** host: the machine or container as a whole; process: this process's RSS, for per-worker checks. */
export type MemoryScope = "host" | "process";

export const GiB = 1024 ** 3;

export interface UsageOptions {
  scope: MemoryScope;
  /** Operator's cap below what the machine reports; never raises the limit. */
  limitOverrideBytes?: number | undefined;
  /** Minimum free as a share of the limit (default 0.1). */
  minFreeRatio: number;
  /** Minimum free never goes below this (default 1 GiB; lower it for small limits or everything is HIGH). */
  minFreeFloorBytes: number;
}

export const defaultUsageOptions: UsageOptions = { scope: "host", minFreeRatio: 0.1, minFreeFloorBytes: GiB };

export interface MemoryUsage {
  scope: MemoryScope;
  time: number;
  limitBytes: number;
  usedBytes: number;
  availableBytes: number;
  /** usedBytes / limitBytes, clamped to [0, 1]. */
  usedRatio: number;
  /** Free memory below this is HIGH whatever the ratio says. */
  minFreeBytes: number;
}

/** The smaller of the cgroup limit and host memory (the machine's own limit, before any override). */
export function physicalLimit(sample: MemorySample): number {
  const cgroupMax = sample.cgroup?.maxBytes;
  return cgroupMax == null ? sample.host.totalBytes : Math.min(cgroupMax, sample.host.totalBytes);
}

export function effectiveLimit(sample: MemorySample, limitOverrideBytes?: number): number {
  const physical = physicalLimit(sample);
  return limitOverrideBytes !== undefined && limitOverrideBytes > 0 ? Math.min(physical, limitOverrideBytes) : physical;
}

/** What could still be allocated before the physical limit: the lower of host MemAvailable and cgroup headroom. */
export function physicalAvailable(sample: MemorySample): number {
  let available = sample.host.availableBytes;
  const cg = sample.cgroup;
  if (cg && cg.maxBytes !== null) {
    // memory.current counts page cache; the inactive part is reclaimed before any OOM, so it is headroom.
    const workingSet = cg.currentBytes - cg.inactiveFileBytes;
    available = Math.min(available, cg.maxBytes - workingSet);
  }
  return Math.max(0, available);
}

export function minimumFree(limitBytes: number, options: Pick<UsageOptions, "minFreeRatio" | "minFreeFloorBytes">): number {
  return Math.max(Math.round(limitBytes * options.minFreeRatio), options.minFreeFloorBytes);
}

export function computeUsage(sample: MemorySample, options: UsageOptions): MemoryUsage {
  const limitBytes = effectiveLimit(sample, options.limitOverrideBytes);
  const usedBytes =
    options.scope === "process" ? sample.process.rssBytes : Math.max(0, physicalLimit(sample) - physicalAvailable(sample));
  const availableBytes = Math.max(0, limitBytes - usedBytes);
  return {
    scope: options.scope,
    time: sample.time,
    limitBytes,
    usedBytes,
    availableBytes,
    usedRatio: limitBytes > 0 ? Math.min(1, usedBytes / limitBytes) : 1,
    minFreeBytes: minimumFree(limitBytes, options),
  };
}

/** The same usage with bytesNeeded more in use: what admitting a piece of work would do. */
export function projectUsage(usage: MemoryUsage, bytesNeeded: number): MemoryUsage {
  const usedBytes = usage.usedBytes + Math.max(0, bytesNeeded);
  return {
    ...usage,
    usedBytes,
    availableBytes: Math.max(0, usage.limitBytes - usedBytes),
    usedRatio: usage.limitBytes > 0 ? Math.min(1, usedBytes / usage.limitBytes) : 1,
  };
}
