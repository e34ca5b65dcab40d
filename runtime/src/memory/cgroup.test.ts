import { describe, expect, it } from "vitest";
import { ancestorDirs, CgroupMemoryReader, parseLimit, parseMemoryEvents, parseProcSelfCgroup } from "./cgroup.ts";
import type { ReadText } from "./read-text.ts";

function files(map: Record<string, string>): ReadText & { reads: string[] } {
  const reads: string[] = [];
  const read = async (path: string) => {
    reads.push(path);
    return map[path];
  };
  return Object.assign(read, { reads });
}

const EVENTS = "low 0\nhigh 12\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n";

describe("cgroup memory", () => {
  it("parses limits: 'max' and v1's near-2^63 mean unlimited", () => {
    expect(parseLimit("max\n")).toBeNull();
    expect(parseLimit("9223372036854771712\n")).toBeNull();
    expect(parseLimit("536870912\n")).toBe(536870912);
    expect(parseLimit("nonsense")).toBeUndefined();
  });

  it("parses memory.events counters", () => {
    expect(parseMemoryEvents(EVENTS)).toEqual({ high: 12, max: 3, oom: 1, oomKill: 1 });
  });

  it("finds the v2 path and the v1 memory path in /proc/self/cgroup", () => {
    expect(parseProcSelfCgroup("0::/kubepods/pod1/ctr\n")).toEqual({ unifiedPath: "/kubepods/pod1/ctr" });
    expect(parseProcSelfCgroup("4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n")).toEqual({ unifiedPath: "/", v1MemoryPath: "/docker/abc" });
  });

  it("lists a cgroup's ancestors up to the mount", () => {
    expect(ancestorDirs("/sys/fs/cgroup/a/b", "/sys/fs/cgroup")).toEqual(["/sys/fs/cgroup/a/b", "/sys/fs/cgroup/a", "/sys/fs/cgroup"]);
    expect(ancestorDirs("/sys/fs/cgroup", "/sys/fs/cgroup")).toEqual(["/sys/fs/cgroup"]);
  });

  it("reads v2 usage, the tightest limit up the hierarchy, memory.high, events and inactive page cache", async () => {
    const read = files({
      "/proc/self/cgroup": "0::/pod/ctr\n",
      "/sys/fs/cgroup/pod/ctr/memory.current": "400000000\n",
      "/sys/fs/cgroup/pod/ctr/memory.max": "max\n",
      "/sys/fs/cgroup/pod/ctr/memory.high": "450000000\n",
      "/sys/fs/cgroup/pod/ctr/memory.events": EVENTS,
      "/sys/fs/cgroup/pod/ctr/memory.stat": "anon 300000000\nfile 100000000\ninactive_file 60000000\nactive_file 40000000\n",
      "/sys/fs/cgroup/pod/memory.max": "500000000\n",
    });
    const cg = await new CgroupMemoryReader(read).read();
    expect(cg).toEqual({
      version: 2,
      dir: "/sys/fs/cgroup/pod/ctr",
      currentBytes: 400000000,
      inactiveFileBytes: 60000000,
      maxBytes: 500000000,
      highBytes: 450000000,
      events: { high: 12, max: 3, oom: 1, oomKill: 1 },
    });
  });

  it("uses the mount root when a cgroup namespace hides the path", async () => {
    const read = files({
      "/proc/self/cgroup": "0::/\n",
      "/sys/fs/cgroup/memory.current": "1000\n",
      "/sys/fs/cgroup/memory.max": "2000\n",
    });
    const cg = await new CgroupMemoryReader(read).read();
    expect(cg).toMatchObject({ version: 2, dir: "/sys/fs/cgroup", currentBytes: 1000, maxBytes: 2000, highBytes: null, events: null, inactiveFileBytes: 0 });
  });

  it("falls back to cgroup v1 where the memory controller is not on the unified hierarchy", async () => {
    const read = files({
      "/proc/self/cgroup": "4:memory:/job/7\n0::/\n",
      "/sys/fs/cgroup/memory/job/7/memory.usage_in_bytes": "5000\n",
      "/sys/fs/cgroup/memory/job/7/memory.limit_in_bytes": "9223372036854771712\n",
      "/sys/fs/cgroup/memory/job/memory.limit_in_bytes": "8000\n",
      "/sys/fs/cgroup/memory/job/7/memory.stat": "cache 10\ntotal_inactive_file 1000\n",
    });
    const cg = await new CgroupMemoryReader(read).read();
    expect(cg).toMatchObject({ version: 1, currentBytes: 5000, maxBytes: 8000, inactiveFileBytes: 1000, highBytes: null, events: null });
  });

  it("is absent, not an error, outside any cgroup, and looks for it only once", async () => {
    const read = files({});
    const reader = new CgroupMemoryReader(read);
    expect(await reader.read()).toBeUndefined();
    const probes = read.reads.length;
    expect(await reader.read()).toBeUndefined();
    expect(read.reads.length).toBe(probes);
  });
});
