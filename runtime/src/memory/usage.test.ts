import { describe, expect, it } from "vitest";
import type { CgroupMemory } from "./cgroup.ts";
import type { MemorySample } from "./sampler.ts";
import { computeUsage, effectiveLimit, GiB, minimumFree, projectUsage, type UsageOptions } from "./usage.ts";

const MiB = 1024 ** 2;

function sample(host: { total: number; available: number }, rss = 100 * MiB, cgroup: Partial<CgroupMemory> | null = null): MemorySample {
  return {
    time: 0,
    process: { rssBytes: rss, heapUsedBytes: 0, heapTotalBytes: 0, externalBytes: 0, arrayBuffersBytes: 0 },
    host: { totalBytes: host.total, availableBytes: host.available, source: "meminfo" },
    cgroup: cgroup && { version: 2, dir: "/", currentBytes: 0, inactiveFileBytes: 0, maxBytes: null, highBytes: null, events: null, ...cgroup },
    psi: null,
  };
}

const host: UsageOptions = { scope: "host", minFreeRatio: 0.1, minFreeFloorBytes: GiB };

describe("effective limit and usage", () => {
  it("takes the smaller of the cgroup limit and host memory, and an override only lowers it", () => {
    const s = sample({ total: 16 * GiB, available: 12 * GiB }, undefined, { maxBytes: 4 * GiB });
    expect(effectiveLimit(s)).toBe(4 * GiB);
    expect(effectiveLimit(s, 2 * GiB)).toBe(2 * GiB);
    expect(effectiveLimit(s, 64 * GiB)).toBe(4 * GiB);
    expect(effectiveLimit(sample({ total: 16 * GiB, available: 0 }))).toBe(16 * GiB);
  });

  it("host view: used = limit - available, where available is the lower of MemAvailable and cgroup headroom", () => {
    const s = sample({ total: 16 * GiB, available: 12 * GiB }, undefined, { maxBytes: 4 * GiB, currentBytes: 3 * GiB });
    const u = computeUsage(s, host);
    expect(u).toMatchObject({ limitBytes: 4 * GiB, usedBytes: 3 * GiB, availableBytes: 1 * GiB, usedRatio: 0.75 });
  });

  it("host view counts the cgroup's inactive page cache as available, since the kernel reclaims it first", () => {
    const s = sample({ total: 16 * GiB, available: 12 * GiB }, undefined, { maxBytes: 4 * GiB, currentBytes: 3 * GiB, inactiveFileBytes: GiB });
    expect(computeUsage(s, host).usedBytes).toBe(2 * GiB);
  });

  it("host view without a cgroup limit uses MemTotal and MemAvailable", () => {
    const u = computeUsage(sample({ total: 10 * GiB, available: 4 * GiB }), host);
    expect(u).toMatchObject({ limitBytes: 10 * GiB, usedBytes: 6 * GiB, availableBytes: 4 * GiB, usedRatio: 0.6 });
  });

  it("an override below current use reads as fully used, not as a negative", () => {
    const u = computeUsage(sample({ total: 10 * GiB, available: 4 * GiB }), { ...host, limitOverrideBytes: 5 * GiB });
    expect(u).toMatchObject({ limitBytes: 5 * GiB, usedBytes: 6 * GiB, availableBytes: 0, usedRatio: 1 });
  });

  it("process view: this process's RSS against the limit", () => {
    const u = computeUsage(sample({ total: 10 * GiB, available: 4 * GiB }, 512 * MiB), { ...host, scope: "process", limitOverrideBytes: GiB });
    expect(u).toMatchObject({ scope: "process", limitBytes: GiB, usedBytes: 512 * MiB, availableBytes: 512 * MiB, usedRatio: 0.5 });
  });

  it("minimum free is the larger of the ratio and the floor", () => {
    expect(minimumFree(100 * GiB, host)).toBe(10 * GiB);
    expect(minimumFree(4 * GiB, host)).toBe(GiB);
    expect(minimumFree(512 * MiB, { minFreeRatio: 0.1, minFreeFloorBytes: 0 })).toBe(Math.round(51.2 * MiB));
  });

  it("projects what admitting more bytes would do", () => {
    const u = computeUsage(sample({ total: 10 * GiB, available: 4 * GiB }), host);
    expect(projectUsage(u, GiB)).toMatchObject({ usedBytes: 7 * GiB, availableBytes: 3 * GiB, usedRatio: 0.7 });
  });
});
