// Forecast scoring on memory ramps as the pressure monitor reports them: one
// MemoryPressure sample per second and a PressureTrend every 10 s window (the
// monitor's TrendWindow and classifier), on a 4 GiB limit with the default
// thresholds. The ramp to CRITICAL carries the forecasts of a recorded run.

import { classify, defaultThresholds, type PressureLevel, TrendWindow } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { PressureReport, type PressureReportEvent, type TrendEvent } from "./pressure-report.ts";
import { createReportWriter, type ReportFormat } from "./report-writer.ts";
import type { WindowRow } from "./window-stats.ts";

const S = 1000;
const MIN = 60 * S;
const LIMIT = 4 * 1024 ** 3;
const HOST = "host-a";
const TREND_WINDOW_MS = 10 * S;
/** 2.5 GB in 60 s, as a ratio of the limit per second. */
const RAMP_SLOPE = 2.5e9 / 60 / LIMIT;
const BASE_RATIO = 0.34;
/** The ramp's first second: the first trend on it (at 60 s) holds one rising sample. */
const RAMP_START = 59;

/**
 * The monitor's output for a used ratio over [from, to] seconds: a sample a
 * second and a trend per window; with `recorded`, trends at the recorded
 * seconds only, carrying the recorded forecast (and the slope it implies).
 */
function monitored(ratioAt: (t: number) => number, from: number, to: number, recorded?: ReadonlyMap<number, number>): { events: PressureReportEvent[]; trends: TrendEvent[] } {
  const window = new TrendWindow({ windowMs: TREND_WINDOW_MS, alpha: 0.3, criticalRatio: defaultThresholds.criticalRatio });
  const events: PressureReportEvent[] = [];
  const trends: TrendEvent[] = [];
  let level: PressureLevel | undefined;
  let lastTrendAt: number | undefined;
  for (let t = from; t <= to; t++) {
    const time = t * S;
    const usedRatio = ratioAt(t);
    level = classify({ usedRatio, availableBytes: (1 - usedRatio) * LIMIT, limitBytes: LIMIT, minFreeBytes: 0 }, level, defaultThresholds);
    window.add({ time, usedRatio, usedBytes: usedRatio * LIMIT, level });
    events.push({ kind: "sample", sourceId: HOST, time, level, usedRatio, intervalMs: S });
    lastTrendAt ??= time;
    if (recorded ? recorded.has(t) : time - lastTrendAt >= TREND_WINDOW_MS) {
      lastTrendAt = time;
      const w = window.stats()!;
      const forecast = recorded?.get(t);
      const trend: TrendEvent = {
        kind: "trend",
        sourceId: HOST,
        host: HOST,
        time: w.windowEnd,
        windowStart: w.windowStart,
        level: w.level,
        slopeRatioPerSecond: forecast === undefined ? w.slopeRatioPerSecond : (defaultThresholds.criticalRatio - usedRatio) / forecast,
        secondsToCritical: forecast ?? w.secondsToCritical,
        transitions: w.transitions,
        minRatio: w.minRatio,
        maxRatio: w.maxRatio,
        meanRatio: w.meanRatio,
      };
      events.push(trend);
      trends.push(trend);
    }
  }
  return { events, trends };
}

function report(events: PressureReportEvent[], until: number) {
  const rows: WindowRow[] = [];
  const r = new PressureReport({ since: 0, until: until * S, windowMs: MIN, onRow: (row) => rows.push(row) });
  for (const e of events) r.add(e);
  const result = r.finish();
  return { rows, summary: result.summaries[0]!, flagged: rows.flatMap((row) => row.flaggedForecasts ?? []) };
}

function render(format: ReportFormat, rows: WindowRow[], summaries: WindowRow[], until: number): string {
  let out = "";
  const meta = { since: 0, until: until * S, windowMs: MIN, maxHorizonMs: 3_600_000, thresholds: defaultThresholds };
  const writer = createReportWriter(format, meta, (text) => {
    out += text;
  });
  for (const row of rows) writer.row(row);
  writer.finish(summaries, { ignored: {}, events: {} });
  return out;
}

// The recorded ramp: 2.5 GB in 60 s from 34% of 4 GiB, CRITICAL first seen at
// 117 s; the monitor's forecasts at the trends 60 s (just as the ramp began:
// 47 min), 71, 82, 93, 104 and 115 s. CRITICAL holds to 125 s, when an
// emergency cleanup brings usage back to the base.
const CRITICAL_AT = 117;
const rampRatio = (t: number) => (t < RAMP_START || t > 125 ? BASE_RATIO : BASE_RATIO + RAMP_SLOPE * Math.min(t - RAMP_START, 60));
const RECORDED = new Map([
  [60, 2847],
  [71, 46.0],
  [82, 34.7],
  [93, 24.2],
  [104, 12.9],
  [115, 1.8],
]);

describe("forecast score on the recorded ramp to CRITICAL", () => {
  const until = 180;
  const { events, trends } = monitored(rampRatio, 0, until - 1, RECORDED);
  const { rows, summary, flagged } = report(events, until);
  const ramp = rows.find((r) => r.start === MIN)!;

  it("carries the recorded forecasts, and CRITICAL is first seen at 117 s as the ramp reaches 90% of the limit", () => {
    expect(trends.map((t) => [t.time / S, t.level, t.secondsToCritical])).toEqual([
      [60, "LOW", 2847],
      [71, "LOW", 46],
      [82, "LOW", 34.7],
      [93, "LOW", 24.2],
      [104, "MODERATE", 12.9],
      [115, "HIGH", 1.8],
    ]);
    const first = events.find((e) => e.kind === "sample" && e.level === "CRITICAL");
    expect(first?.time).toBe(CRITICAL_AT * S);
    // 117 s to the cleanup at 126 s.
    expect(summary.levelMs.CRITICAL).toBe(9 * S);
  });

  it("scores the five forecasts within 2x of their lead as hits, with relative errors of 0.8% median and 10% p90", () => {
    // |predicted - actual| / actual: 46.0/46 -> 0, 34.7/35 -> 0.009, 24.2/24 -> 0.008, 12.9/13 -> 0.008, 1.8/2 -> 0.1.
    expect(ramp.forecasts).toMatchObject({ issued: 6, hits: 5, tooLate: 1, falseAlarms: 0, beyondHorizon: 0, open: 0, misses: 0 });
    expect(ramp.forecasts.relativeError).toEqual({ median: 0.008, p90: 0.1 });
    expect(summary.forecasts).toEqual(ramp.forecasts);
  });

  it("tells early forecasts (conservative) from late ones (dangerous)", () => {
    // Early: 46.0, 34.7, 12.9 and 1.8 s; late: 24.2 s against 24.
    expect(ramp.forecasts.early).toEqual({ count: 4, medianRelativeError: 0.008, maxRelativeError: expect.closeTo(0.1, 12) });
    expect(ramp.forecasts.late).toEqual({ count: 1, medianRelativeError: 0.008, maxRelativeError: expect.closeTo(0.2 / 24, 12) });
  });

  it("classifies the 47-minute forecast CRITICAL beat in 57 s as too late, outside the error figures, and names it", () => {
    expect(flagged).toEqual([{ verdict: "tooLate", issuedAt: 60 * S, host: HOST, predictedSeconds: 2847, actualSeconds: 57 }]);
    const table = render("table", rows, [summary], until);
    expect(table).toMatch(/5\/1\/0\/0\s+0\.8%\/10\.0%\s+4\/1/);
    expect(table).toMatch(/1970-01-01 00:01:00\s*│\s*host-a\s*│\s*host-a\s*│\s*too late\s*│\s*in 47m 27s\s*│\s*in 57\.0s/);
  });

  it("counts no false alarm for a forecast CRITICAL came a little after : 34.7 s against 35", () => {
    expect(flagged.filter((f) => f.verdict === "falseAlarm")).toEqual([]);
  });
});

describe("forecast score on a healthy flat series", () => {
  // Idle jitter under 1 MB around 45% of 4 GiB: half the windows slope upwards
  // a little, and the monitor forecasts CRITICAL hours away.
  let seed = 7;
  const jitter = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return (seed / 2 ** 31 - 0.5) * 0.0004;
  };
  const until = 3 * 3600;
  const { events, trends } = monitored(() => 0.45 + jitter(), 0, until - 1);
  const { summary, flagged } = report(events, until);

  it("gives forecasts, all beyond the 1 h horizon", () => {
    const forecasts = trends.filter((t) => t.secondsToCritical !== null);
    expect(forecasts.length).toBeGreaterThan(100);
    expect(Math.min(...forecasts.map((t) => t.secondsToCritical!))).toBeGreaterThan(3600);
  });

  it("counts no false alarm: a forecast beyond the horizon that CRITICAL did not follow is not scored", () => {
    expect(summary.forecasts).toMatchObject({ hits: 0, tooLate: 0, falseAlarms: 0, misses: 0 });
    expect(summary.forecasts.beyondHorizon).toBeGreaterThan(0);
    // Every forecast is accounted for: those issued in the last 2 h are still watched when the data ends.
    expect(summary.forecasts.beyondHorizon + summary.forecasts.open).toBe(summary.forecasts.issued);
    expect(flagged).toEqual([]);
    expect(render("table", [], [summary], until)).not.toContain("false alarms or too late");
  });
});

describe("forecast score on a ramp that stops before CRITICAL", () => {
  // The same ramp, stopping at 110 s at 84% (HIGH) and staying there.
  const stoppedRatio = (t: number) => (t < RAMP_START ? BASE_RATIO : BASE_RATIO + RAMP_SLOPE * Math.min(t - RAMP_START, 51));
  const until = 3600;
  const { events, trends } = monitored(stoppedRatio, 0, until - 1);
  const { rows, summary, flagged } = report(events, until);
  const forecasts = trends.filter((t) => t.secondsToCritical !== null && t.secondsToCritical > 0);

  it("forecasts CRITICAL while the ramp rises", () => {
    expect(forecasts.map((t) => t.time / S)).toEqual([60, 70, 80, 90, 100, 110]);
    expect(summary.peakRatio).toBeLessThan(defaultThresholds.criticalRatio);
    expect(summary.levelMs.CRITICAL).toBe(0);
  });

  it("counts every forecast as a false alarm and names each one with its time, host and lead", () => {
    expect(summary.forecasts).toMatchObject({ issued: 6, hits: 0, tooLate: 0, falseAlarms: 6, beyondHorizon: 0, open: 0, misses: 0 });
    expect(summary.forecasts.relativeError).toEqual({ median: null, p90: null });
    expect(flagged).toEqual(forecasts.map((t) => ({ verdict: "falseAlarm", issuedAt: t.time, host: HOST, predictedSeconds: t.secondsToCritical, actualSeconds: null })));
  });

  it("says so in the table and in JSON", () => {
    const table = render("table", rows, [summary], until);
    expect(table).toContain("Forecasts that were false alarms or too late (6)");
    expect(table.match(/│\s*host-a\s*│\s*false alarm\s*│/g)).toHaveLength(6);
    const json = JSON.parse(render("json", rows, [summary], until));
    const named = json.windows.flatMap((w: { flaggedForecasts: unknown[] }) => w.flaggedForecasts);
    expect(named).toHaveLength(6);
    expect(named[0]).toEqual({ verdict: "falseAlarm", issuedAt: "1970-01-01T00:01:00.000Z", host: HOST, predictedSeconds: forecasts[0]!.secondsToCritical, actualSeconds: null });
  });
});
