import { describe, expect, it } from "vitest";
import { parseChildren, parseProcStatus } from "./proc-memory.ts";

const STATUS = `Name:\tnode
State:\tS (sleeping)
VmPeak:\t 1234567 kB
VmHWM:\t  204800 kB
VmRSS:\t  102400 kB
Threads:\t11
`;

describe("parseProcStatus", () => {
  it("reads VmRSS and VmHWM in bytes", () => {
    expect(parseProcStatus(STATUS)).toEqual({ rssBytes: 100 * 2 ** 20, hwmBytes: 200 * 2 ** 20 });
  });

  it("gives nothing for a process without memory lines (a kernel thread or a zombie)", () => {
    expect(parseProcStatus("Name:\tkworker/0:1\nState:\tI (idle)\n")).toBeUndefined();
    expect(parseProcStatus("Name:\tnode\nState:\tZ (zombie)\nThreads:\t1\n")).toBeUndefined();
  });

  it("does not take VmHWM for VmRSS or the other way round", () => {
    expect(parseProcStatus("VmRSS:\t 8 kB\n")).toEqual({ rssBytes: 8192, hwmBytes: 0 });
  });
});

describe("parseChildren", () => {
  it("joins every thread's children list and ignores empty ones", () => {
    expect(parseChildren(["12 34 ", "", "56\n"])).toEqual([12, 34, 56]);
  });
});
