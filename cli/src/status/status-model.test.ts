import { describe, expect, it } from "vitest";
import { countJobEvent, emptyJobCounts, isLoopback, isStale, processorLevel, type SourceStatus, sourcesOfMember } from "./status-model.ts";

const source = (over: Partial<SourceStatus>): SourceStatus => ({
  sourceId: "s",
  host: "h",
  role: "pressure-monitor",
  level: "LOW",
  usedRatio: 0.5,
  eventTime: 0,
  stale: false,
  ...over,
});

describe("status model", () => {
  it("matches a member to sources by address, resolved name, or loopback on this host", () => {
    const sources = [source({ sourceId: "a", host: "10.0.0.5" }), source({ sourceId: "b", host: "worker-b" }), source({ sourceId: "c", host: "here" })];
    const addressesOf = (h: string) => (h === "worker-b" ? ["10.0.0.6"] : h === "here" ? ["127.0.1.1"] : []);
    const ids = (host: string) => sourcesOfMember(host, sources, addressesOf, "here").map((s) => s.sourceId);
    expect(ids("/10.0.0.5")).toEqual(["a"]);
    expect(ids("/10.0.0.6")).toEqual(["b"]);
    expect(ids("/127.0.0.1")).toEqual(["c"]);
    expect(ids("/10.9.9.9")).toEqual([]);
    expect(isLoopback("::1")).toBe(true);
    expect(isLoopback("/::ffff:127.0.0.1")).toBe(true);
  });

  it("gives a processor the worst fresh level of its sources; HIGH and above is paused", () => {
    expect(processorLevel([source({ level: "MODERATE" }), source({ level: "HIGH" }), source({ level: "CRITICAL", stale: true })])).toEqual({ level: "HIGH", paused: true });
    expect(processorLevel([source({ level: "MODERATE" })])).toEqual({ level: "MODERATE", paused: false });
    expect(processorLevel([source({ stale: true })])).toEqual({ level: undefined, paused: undefined });
  });

  it("calls a source stale after three intervals without a sample", () => {
    expect(isStale(0, 2000, 6000)).toBe(false);
    expect(isStale(0, 2000, 6001)).toBe(true);
  });

  it("counts job events by type, in flight never below zero", () => {
    const counts = emptyJobCounts(0);
    for (const type of ["JobCompleted", "JobRequested", "JobRequested", "JobSegmented", "JobFailed"]) countJobEvent(counts, type);
    expect(counts).toEqual({ since: 0, requested: 2, segmented: 1, completed: 1, failed: 1, inFlight: 0 });
    countJobEvent(counts, "JobRequested");
    expect(counts.inFlight).toBe(1);
  });
});
