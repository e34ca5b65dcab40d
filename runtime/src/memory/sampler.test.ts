import { describe, expect, it } from "vitest";
import type { ReadText } from "./read-text.ts";
import { MemorySampler, type ProcessMemory } from "./sampler.ts";

const PROCESS: ProcessMemory = { rssBytes: 100, heapUsedBytes: 40, heapTotalBytes: 60, externalBytes: 30, arrayBuffersBytes: 20 };

function files(map: Record<string, string>): ReadText & { reads: string[] } {
  const reads: string[] = [];
  return Object.assign(
    async (path: string) => {
      reads.push(path);
      return map[path];
    },
    { reads },
  );
}

describe("MemorySampler", () => {
  it("combines process, host, cgroup and PSI figures into one sample", async () => {
    const read = files({
      "/proc/meminfo": "MemTotal: 1000 kB\nMemAvailable: 600 kB\n",
      "/proc/pressure/memory": "some avg10=2.50 avg60=0 avg300=0 total=1\nfull avg10=1.00 avg60=0 avg300=0 total=1\n",
      "/proc/self/cgroup": "0::/\n",
      "/sys/fs/cgroup/memory.current": "300000\n",
      "/sys/fs/cgroup/memory.max": "512000\n",
    });
    const sampler = new MemorySampler({ readText: read, processMemory: () => PROCESS, clock: () => 42 });
    const s = await sampler.sample();
    expect(s.time).toBe(42);
    expect(s.process).toEqual(PROCESS);
    expect(s.host).toEqual({ totalBytes: 1024000, availableBytes: 614400, source: "meminfo" });
    expect(s.cgroup).toMatchObject({ version: 2, currentBytes: 300000, maxBytes: 512000 });
    expect(s.psi).toEqual({ someAvg10: 2.5, fullAvg10: 1 });
  });

  it("tolerates a machine with none of the kernel files: host from the fallback, cgroup and PSI null", async () => {
    const read = files({});
    const sampler = new MemorySampler({
      readText: read,
      processMemory: () => PROCESS,
      hostFallback: () => ({ totalBytes: 8, availableBytes: 4, source: "os" }),
      clock: () => 1,
    });
    const s = await sampler.sample();
    expect(s).toEqual({ time: 1, process: PROCESS, host: { totalBytes: 8, availableBytes: 4, source: "os" }, cgroup: null, psi: null });
    // Absent files are not probed again on every sample.
    const before = read.reads.length;
    await sampler.sample();
    expect(read.reads.length).toBe(before);
  });

  it("reads nothing from a source that is switched off", async () => {
    const read = files({ "/proc/pressure/memory": "some avg10=1.00 avg60=0 avg300=0 total=1\n" });
    const sampler = new MemorySampler({ readText: read, processMemory: () => PROCESS, sources: { psi: false, cgroup: false } });
    expect((await sampler.sample()).psi).toBeNull();
    expect(read.reads).toEqual(["/proc/meminfo"]);
  });
});
