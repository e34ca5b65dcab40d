import type { PressureLevel } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { PressureReport, type PressureReportEvent, type TrendEvent } from "./pressure-report.ts";
import type { WindowRow } from "./window-stats.ts";

const S = 1000;
const MIN = 60 * S;

function sample(sourceId: string, t: number, level: PressureLevel, usedRatio: number): PressureReportEvent {
  return { kind: "sample", sourceId, time: t * S, level, usedRatio, intervalMs: 2 * S };
}

function trend(sourceId: string, t: number, level: PressureLevel, secondsToCritical: number | null, extra: Partial<TrendEvent> = {}): TrendEvent {
  return {
    kind: "trend",
    sourceId,
    time: t * S,
    windowStart: (t - 58) * S,
    level,
    slopeRatioPerSecond: 0,
    secondsToCritical,
    transitions: 0,
    maxRatio: 0,
    meanRatio: 0,
    ...extra,
  };
}

/** Samples every 2 s from `from` to `to` seconds inclusive. */
function samples(sourceId: string, from: number, to: number, level: PressureLevel, ratio: (t: number) => number): PressureReportEvent[] {
  const out: PressureReportEvent[] = [];
  for (let t = from; t <= to; t += 2) out.push(sample(sourceId, t, level, ratio(t)));
  return out;
}

/** Events of several sources in time order; at one instant a sample comes before its trend. */
function inTimeOrder(events: PressureReportEvent[]): PressureReportEvent[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.time - b.e.time || (a.e.kind === b.e.kind ? a.i - b.i : a.e.kind === "sample" ? -1 : 1))
    .map(({ e }) => e);
}

function run(events: PressureReportEvent[], options: { until?: number; sources?: string[] } = {}) {
  const rows: WindowRow[] = [];
  const report = new PressureReport({ since: 0, until: options.until ?? 180 * S, windowMs: MIN, sources: options.sources, onRow: (r) => rows.push(r) });
  for (const e of inTimeOrder(events)) report.add(e);
  const result = report.finish();
  const row = (sourceId: string, window: number) => rows.find((r) => r.sourceId === sourceId && r.start === window * MIN);
  const summary = (sourceId: string) => result.summaries.find((r) => r.sourceId === sourceId);
  return { rows, result, row, summary };
}

// Source a: window 0 rises from 0.600 by 0.002 per 2 s sample (LOW); window 1
// climbs MODERATE 0.75 -> HIGH 0.85 -> CRITICAL 0.95 in thirds; window 2 is LOW
// at 0.5. Its trend at 58 s forecast CRITICAL in 50 s (at 108 s); it came at 100 s.
const sourceA: PressureReportEvent[] = [
  ...samples("a", 0, 58, "LOW", (t) => 0.6 + 0.001 * t),
  ...samples("a", 60, 78, "MODERATE", () => 0.75),
  ...samples("a", 80, 98, "HIGH", () => 0.85),
  ...samples("a", 100, 118, "CRITICAL", () => 0.95),
  ...samples("a", 120, 178, "LOW", () => 0.5),
  trend("a", 58, "LOW", 50),
  trend("a", 118, "CRITICAL", 0),
  trend("a", 178, "LOW", null),
];

// Source b stays LOW. Forecasts: 30 s at 58 s (deadline 88 s passes: false alarm),
// 100 s at 118 s (deadline 218 s, after the data: open), 2 h at 178 s (beyond the 1 h cap).
const sourceB: PressureReportEvent[] = [
  ...samples("b", 0, 178, "LOW", () => 0.3),
  trend("b", 58, "LOW", 30),
  trend("b", 118, "LOW", 100),
  trend("b", 178, "LOW", 7200),
];

// Source c: CRITICAL from 60 to 78 s with no forecast (a miss); a forecast at
// 118 s of 30 s, and CRITICAL again from 140 to 158 s (a hit, 22 s against 30 s).
const sourceC: PressureReportEvent[] = [
  ...samples("c", 0, 58, "LOW", () => 0.5),
  ...samples("c", 60, 78, "CRITICAL", () => 0.92),
  ...samples("c", 80, 138, "LOW", () => 0.5),
  ...samples("c", 140, 158, "CRITICAL", () => 0.93),
  ...samples("c", 160, 178, "LOW", () => 0.5),
  trend("c", 118, "LOW", 30),
];

// Source d has trends only (its samples compacted away): 30 s at MODERATE, then 60 s at HIGH.
const sourceD: PressureReportEvent[] = [
  trend("d", 30, "MODERATE", null, { windowStart: 0, maxRatio: 0.78, meanRatio: 0.74, slopeRatioPerSecond: 0.001, transitions: 1 }),
  trend("d", 90, "HIGH", null, { windowStart: 30 * S, maxRatio: 0.86, meanRatio: 0.82, slopeRatioPerSecond: 0.002, transitions: 0 }),
];

describe("pressure report on a fixed series", () => {
  const { row, summary, rows, result } = run([...sourceA, ...sourceB, ...sourceC, ...sourceD]);

  it("emits one row per source and window that saw events", () => {
    expect(rows.length).toBe(3 + 3 + 3 + 2);
    expect(result.rows).toBe(rows.length);
    expect(result.ignored).toEqual({ outOfRange: 0, otherSources: 0, late: 0, tooManySources: 0 });
  });

  it("measures time in each level: a sample holds until the next one", () => {
    expect(row("a", 0)?.levelMs).toEqual({ LOW: 60 * S, MODERATE: 0, HIGH: 0, CRITICAL: 0 });
    expect(row("a", 1)?.levelMs).toEqual({ LOW: 0, MODERATE: 20 * S, HIGH: 20 * S, CRITICAL: 20 * S });
    // The last sample (178 s) holds to the end of the period at 180 s.
    expect(row("a", 2)?.levelMs).toEqual({ LOW: 60 * S, MODERATE: 0, HIGH: 0, CRITICAL: 0 });
    expect(summary("a")?.levelMs).toEqual({ LOW: 120 * S, MODERATE: 20 * S, HIGH: 20 * S, CRITICAL: 20 * S });
  });

  it("reports peak, nearest-rank p95, mean and least-squares slope of the used ratio", () => {
    const w0 = row("a", 0)!;
    expect(w0.basis).toBe("samples");
    expect(w0.samples).toBe(30);
    expect(w0.peakRatio).toBeCloseTo(0.658, 12);
    // 30 samples: the 29th smallest is 0.600 + 28 * 0.002.
    expect(w0.p95Ratio).toBeCloseTo(0.656, 12);
    expect(w0.meanRatio).toBeCloseTo(0.629, 12);
    expect(w0.slopeRatioPerSecond).toBeCloseTo(0.001, 12);
    const w1 = row("a", 1)!;
    expect(w1.peakRatio).toBe(0.95);
    expect(w1.p95Ratio).toBe(0.95);
    expect(w1.meanRatio).toBeCloseTo(0.85, 12);
    // Steps of 0.1 at 20 s and 40 s: sum (x - 29)(y - 0.85) = 40, sum (x - 29)^2 = 8990.
    expect(w1.slopeRatioPerSecond).toBeCloseTo(40 / 8990, 12);
    expect(row("a", 2)?.slopeRatioPerSecond).toBeCloseTo(0, 12);
    expect(summary("a")?.peakRatio).toBe(0.95);
    expect(summary("a")?.p95Ratio).toBe(0.95);
  });

  it("counts level transitions in the window where the new level appears", () => {
    expect(row("a", 0)?.transitions).toBe(0);
    expect(row("a", 1)?.transitions).toBe(3);
    expect(row("a", 2)?.transitions).toBe(1);
    expect(row("c", 1)?.transitions).toBe(2);
    expect(row("c", 2)?.transitions).toBe(2);
    expect(summary("a")?.transitions).toBe(4);
  });

  it("scores a forecast that CRITICAL followed within twice its lead as a hit, with its relative error", () => {
    // Predicted 50 s, came in 42 s: 8 / 42 = 0.190 late.
    expect(row("a", 0)?.forecasts).toMatchObject({ issued: 1, hits: 1, tooLate: 0, falseAlarms: 0, open: 0, beyondHorizon: 0, misses: 0 });
    expect(row("a", 0)?.forecasts.relativeError).toEqual({ median: 0.19, p90: 0.19 });
    expect(row("a", 0)?.forecasts.late).toEqual({ count: 1, medianRelativeError: 0.19, maxRelativeError: 8 / 42 });
    expect(row("a", 0)?.forecasts.early).toEqual({ count: 0, medianRelativeError: null, maxRelativeError: null });
    // CRITICAL began at 100 s, and a's pending forecast hit it: not a miss.
    expect(row("a", 1)?.forecasts.misses).toBe(0);
    expect(row("c", 2)?.forecasts).toMatchObject({ issued: 0, hits: 0, misses: 0, falseAlarms: 0, open: 0, beyondHorizon: 0, relativeError: { median: null, p90: null } });
    expect(row("c", 1)?.forecasts).toMatchObject({ issued: 1, hits: 1 });
    // Predicted 30 s, came in 22 s.
    expect(row("c", 1)?.forecasts.late.maxRelativeError).toBeCloseTo(8 / 22, 12);
  });

  it("scores CRITICAL that no forecast covered as a miss", () => {
    expect(row("c", 1)?.forecasts.misses).toBe(1);
    expect(summary("c")?.forecasts).toMatchObject({ issued: 1, hits: 1, misses: 1, falseAlarms: 0, open: 0, beyondHorizon: 0, relativeError: { median: 0.364, p90: 0.364 } });
  });

  it("scores a forecast past twice its lead as a false alarm and names it; one still watched when the data ends is open", () => {
    expect(row("b", 0)?.forecasts).toMatchObject({ issued: 1, hits: 0, misses: 0, falseAlarms: 1, open: 0, beyondHorizon: 0 });
    expect(row("b", 0)?.flaggedForecasts).toEqual([{ verdict: "falseAlarm", issuedAt: 58 * S, host: null, predictedSeconds: 30, actualSeconds: null }]);
    expect(row("b", 1)?.forecasts).toMatchObject({ issued: 1, falseAlarms: 0, open: 1 });
    // 2 h, beyond the 1 h horizon: watched for 2 h at most, and the data ends first.
    expect(row("b", 2)?.forecasts).toMatchObject({ issued: 1, open: 1, beyondHorizon: 0 });
    expect(summary("b")?.forecasts).toMatchObject({ issued: 3, hits: 0, misses: 0, falseAlarms: 1, open: 2, beyondHorizon: 0 });
    expect(summary("b")?.flaggedForecasts).toBeUndefined();
  });

  it("falls back to the trends where no samples are left", () => {
    const w0 = row("d", 0)!;
    expect(w0.basis).toBe("trends");
    expect(w0.levelMs).toEqual({ LOW: 0, MODERATE: 30 * S, HIGH: 0, CRITICAL: 0 });
    expect(w0.peakRatio).toBe(0.78);
    expect(w0.p95Ratio).toBe(0.78);
    expect(w0.meanRatio).toBe(0.74);
    expect(w0.slopeRatioPerSecond).toBe(0.001);
    expect(w0.transitions).toBe(1);
    const w1 = row("d", 1)!;
    expect(w1.levelMs.HIGH).toBe(60 * S);
    // No transition inside the trend, but the level differs from the last one.
    expect(w1.transitions).toBe(1);
    expect(summary("d")?.basis).toBe("trends");
    expect(summary("d")?.peakRatio).toBe(0.86);
    // Duration-weighted: (0.001 * 30 + 0.002 * 60) / 90.
    expect(summary("d")?.slopeRatioPerSecond).toBeCloseTo((0.001 * 30 + 0.002 * 60) / 90, 12);
  });
});

describe("pressure report: forecasts beyond the horizon", () => {
  it("judges one that CRITICAL followed within twice the horizon: 2 h forecast, CRITICAL in 10 min, too late", () => {
    const { summary, rows } = run([sample("a", 0, "LOW", 0.5), trend("a", 10, "LOW", 7200), sample("a", 600, "HIGH", 0.85), sample("a", 610, "CRITICAL", 0.92)], { until: 20 * MIN });
    expect(summary("a")?.forecasts).toMatchObject({ issued: 1, tooLate: 1, beyondHorizon: 0, misses: 1 });
    expect(rows[0]?.flaggedForecasts).toEqual([{ verdict: "tooLate", issuedAt: 10 * S, host: null, predictedSeconds: 7200, actualSeconds: 600 }]);
  });

  it("leaves one unscored when the source is seen below CRITICAL after twice the horizon", () => {
    const { summary } = run([trend("a", 10, "LOW", 7200), sample("a", 10 + 7200, "LOW", 0.5), sample("a", 10 + 7201, "LOW", 0.5)], { until: 3 * 60 * MIN });
    expect(summary("a")?.forecasts).toMatchObject({ issued: 1, beyondHorizon: 1, falseAlarms: 0, open: 0 });
  });
});

describe("pressure report bounds", () => {
  it("ignores events outside the period and of other sources", () => {
    const { rows, result } = run([sample("a", 10, "LOW", 0.5), sample("a", 200, "LOW", 0.5), sample("z", 12, "LOW", 0.5)], { sources: ["a"] });
    expect(rows.map((r) => r.sourceId)).toEqual(["a"]);
    expect(result.ignored.outOfRange).toBe(1);
    expect(result.ignored.otherSources).toBe(1);
  });

  it("drops an event older than the source's last one instead of rewriting closed windows", () => {
    const report = new PressureReport({ since: 0, until: 10 * MIN, windowMs: MIN, onRow: () => {} });
    report.add(sample("a", 130, "LOW", 0.5));
    report.add(sample("a", 20, "HIGH", 0.85));
    expect(report.finish().ignored.late).toBe(1);
  });

  it("does not count a gap in the samples as time at the last level", () => {
    const { row } = run([sample("a", 0, "HIGH", 0.85), sample("a", 50, "HIGH", 0.85)]);
    // Each sample stands for at most three 2 s intervals.
    expect(row("a", 0)?.levelMs.HIGH).toBe(12 * S);
  });

  it("carries the last sample's time across a window boundary and skips empty windows", () => {
    const { rows } = run([sample("a", 59, "HIGH", 0.85), sample("a", 170, "LOW", 0.5)]);
    expect(rows.map((r) => [r.start / MIN, r.levelMs.HIGH, r.levelMs.LOW])).toEqual([
      [0, 1 * S, 0],
      [1, 5 * S, 0],
      [2, 0, 6 * S],
    ]);
  });

  it("emits each window as it closes, not at the end: two days of samples stream through", () => {
    const rows: WindowRow[] = [];
    const day = 24 * 60 * MIN;
    const report = new PressureReport({ since: 0, until: 2 * day, windowMs: 10 * MIN, onRow: (r) => rows.push(r) });
    let emittedBeforeEnd = 0;
    for (let t = 0; t < 2 * day; t += 2 * S) {
      report.add({ kind: "sample", sourceId: "a", time: t, level: "LOW", usedRatio: 0.4 + 0.2 * Math.sin(t / 3_600_000), intervalMs: 2 * S });
      if (t % (60 * MIN) === 0) {
        report.add({ ...trend("a", 0, "LOW", 600), time: t, windowStart: t - MIN });
        emittedBeforeEnd = rows.length;
      }
    }
    // At the last hourly trend (47 h) every earlier window was out; a forecast holds back only its own window.
    expect(emittedBeforeEnd).toBe(47 * 6);
    const { summaries } = report.finish();
    expect(rows.length).toBe(2 * 144);
    expect(summaries[0]?.levelMs.LOW).toBe(2 * day);
    expect(summaries[0]?.forecasts).toMatchObject({ issued: 48, falseAlarms: 48, hits: 0, open: 0 });
  });
});
