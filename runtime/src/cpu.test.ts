import { describe, expect, it } from "vitest";
import { coresFrom, parseCpuMax } from "./cpu.ts";

describe("cpu quota", () => {
  it("reads cpu.max as CPUs, unlimited as null", () => {
    expect(parseCpuMax("max 100000\n")).toBeNull();
    expect(parseCpuMax("150000 100000\n")).toBe(1.5);
    expect(parseCpuMax("50000 100000")).toBe(0.5);
    expect(parseCpuMax("garbage")).toBeNull();
  });

  it("takes the smaller of the allowed CPUs and the quota rounded up, never below one", () => {
    expect(coresFrom(8, null)).toBe(8);
    expect(coresFrom(8, 1.5)).toBe(2);
    expect(coresFrom(8, 0.5)).toBe(1);
    expect(coresFrom(2, 16)).toBe(2);
    expect(coresFrom(0, null)).toBe(1);
  });
});
