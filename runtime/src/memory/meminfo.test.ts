import { describe, expect, it } from "vitest";
import { parseMeminfo, readHostMemory } from "./meminfo.ts";

const MEMINFO = `MemTotal:       24684084 kB
MemFree:        22417296 kB
MemAvailable:   23917224 kB
Buffers:          123456 kB
Cached:          1000000 kB
HugePages_Total:       0
`;

describe("host memory from /proc/meminfo", () => {
  it("reads MemTotal and MemAvailable in bytes", () => {
    expect(parseMeminfo(MEMINFO)).toEqual({ totalBytes: 24684084 * 1024, availableBytes: 23917224 * 1024, source: "meminfo" });
  });

  it("estimates available as free + buffers + cached on kernels without MemAvailable", () => {
    const old = MEMINFO.replace(/^MemAvailable.*\n/m, "");
    expect(parseMeminfo(old)?.availableBytes).toBe((22417296 + 123456 + 1000000) * 1024);
  });

  it("gives undefined for a file without MemTotal and for an absent file", async () => {
    expect(parseMeminfo("garbage")).toBeUndefined();
    expect(await readHostMemory(async () => undefined)).toBeUndefined();
  });
});
