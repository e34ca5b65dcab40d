import { describe, expect, it } from "vitest";
import {
  eventPauses,
  type FleetRun,
  fleetRows,
  fleetSegments,
  type GroupEvent,
  idealSpeedup,
  largestGap,
  medianGapMs,
  pairRow,
  pauseRows,
  segmentsPerSecond,
  type TimedRun,
} from "./scaling-figures.ts";

describe("idealSpeedup", () => {
  it("is the consumer count up to the partitions and the partitions past them", () => {
    expect([1, 2, 4, 8, 16].map((n) => idealSpeedup(n, 8))).toEqual([1, 2, 4, 8, 8]);
  });

  it("is set by the member holding the most partitions when they do not divide evenly", () => {
    // 12 partitions over 8 members: four hold two, so the group goes at 12 / 2.
    expect(idealSpeedup(8, 12)).toBe(6);
    expect(idealSpeedup(5, 12)).toBe(4);
  });
});

describe("fleetSegments", () => {
  it("gives each run the same wall time at the ideal speed-up, a whole number of segments per partition", () => {
    const options = { partitions: 8, delayMs: 50, secondsPerRun: 60 };
    expect([1, 2, 4, 8, 16].map((n) => fleetSegments(n, options))).toEqual([40, 80, 160, 320, 320]);
    expect(fleetSegments(1, { partitions: 3, delayMs: 50, secondsPerRun: 10 }) % 3).toBe(0);
  });
});

describe("gaps between results", () => {
  const times = [0, 100, 200, 300, 1300, 1400, 1500];

  it("median gap counts only pairs inside the stretch", () => {
    expect(medianGapMs(times, 0, 301)).toBe(100);
    expect(medianGapMs(times, 0, 1301)).toBe(100);
    expect(medianGapMs(times, 250, 260)).toBeNaN();
  });

  it("largest gap includes the pause that began before the event", () => {
    expect(largestGap(times, 800, 900)).toEqual({ fromMs: 300, toMs: 1300, ms: 1000 });
  });

  it("largest gap ignores pairs wholly before or after the window", () => {
    expect(largestGap(times, 1350, 2000)).toEqual({ fromMs: 1300, toMs: 1400, ms: 100 });
    expect(largestGap(times, 2000, 3000)).toBeUndefined();
  });

  it("measures each event against the steady stretch before it", () => {
    const events: GroupEvent[] = [
      { kind: "join", atMs: 350, settledMs: 1000, membersBefore: 1, membersAfter: 2, steadyFromMs: 0, steadyToMs: 350 },
      { kind: "leave", atMs: 1000, settledMs: 1100, membersBefore: 2, membersAfter: 1, steadyFromMs: 1300, steadyToMs: 1600 },
    ];
    const [pause, leave] = eventPauses(times, events, 100);
    expect(pause?.steadyGapMs).toBe(100);
    expect(pause?.steadyLargestGapMs).toBe(100);
    expect(pause?.gap?.ms).toBe(1000);
    // The leave is compared with the stretch after it, and its window ends 100 ms past settling.
    expect(leave?.steadyGapMs).toBe(100);
    expect(leave?.gap).toEqual({ fromMs: 300, toMs: 1300, ms: 1000 });
    const [row] = pauseRows([pause!], () => "join");
    expect(row?.baseline?.value).toBe(0.1);
    expect(row?.subject.value).toBe(1);
    expect(row?.ratio).toBe(10);
  });
});

describe("rows", () => {
  const run = (processes: number, segments: number, seconds: number): FleetRun => ({ processes, segments, audioSeconds: segments * 30, firstProducedMs: 1000, lastResultMs: 1000 + seconds * 1000 });

  it("holds each N to a share of its ideal speed-up and N past the partitions to no faster", () => {
    const rows = fleetRows([run(1, 10, 10), run(2, 20, 14), run(4, 40, 10.4), run(8, 40, 10.2)], 4, 0.8, 0.05);
    expect(rows.map((r) => r.met)).toEqual([false, true, true, true]);
    expect(rows[0]?.ratio).toBeCloseTo(20 / 14);
    expect(rows.at(-1)?.ratio).toBeCloseTo(10.4 / 10.2);
    expect(fleetRows([run(1, 10, 10), run(4, 40, 10.4), run(8, 40, 9)], 4, 0.8, 0.05).at(-1)?.met).toBe(false);
    expect(rows[1]?.goal).toContain("3.2");
    expect(rows.at(-1)?.what).toContain("8 processes vs 4");
  });

  it("says nothing about flatness without runs at and past the partitions", () => {
    expect(fleetRows([run(1, 10, 10), run(2, 20, 10)], 4, 0.8, 0.05)).toHaveLength(1);
  });

  it("compares two processes with the mean span of the one-process runs around them", () => {
    const timed = (seconds: number): TimedRun => ({ segments: 40, audioSeconds: 1200, firstProducedMs: 0, lastResultMs: seconds * 1000 });
    const row = pairRow("pair", timed(100), timed(55), timed(120), 1.8);
    expect(row.baseline?.value).toBeCloseTo(1200 / 110);
    expect(row.ratio).toBeCloseTo(110 / 55);
    expect(row.met).toBe(true);
    expect(pairRow("pair", timed(100), timed(60), timed(100), 1.8).met).toBe(false);
    expect(segmentsPerSecond(timed(0))).toBeNaN();
  });
});
