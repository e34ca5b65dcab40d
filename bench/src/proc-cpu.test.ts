import { describe, expect, it } from "vitest";
import { parseProcStatCpuSeconds } from "./proc-cpu.ts";

describe("parseProcStatCpuSeconds", () => {
  it("adds user and system time, in seconds", () => {
    const stat = "4155 (ps-decoder) S 4076 4076 1 0 -1 4194304 8071 0 0 0 6843 412 0 0 20 0 1 0 466214 146108416 25104 18446744073709551615";
    expect(parseProcStatCpuSeconds(stat)).toBeCloseTo(72.55, 6);
  });

  it("counts fields from after the last parenthesis, so a command name with spaces or ')' does not shift them", () => {
    const stat = "77 (python3 a) b) R 1 77 77 0 -1 0 0 0 0 0 250 50 0 0 20 0 4 0 100 1000 10";
    expect(parseProcStatCpuSeconds(stat)).toBe(3);
  });

  it("gives nothing for text that is not a stat line", () => {
    expect(parseProcStatCpuSeconds("")).toBeUndefined();
    expect(parseProcStatCpuSeconds("12 (x) S 1")).toBeUndefined();
  });
});
