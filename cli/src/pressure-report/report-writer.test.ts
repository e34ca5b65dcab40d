import { describe, expect, it } from "vitest";
import { createReportWriter, csvField, type ReportMeta } from "./report-writer.ts";
import type { WindowRow } from "./window-stats.ts";

const meta: ReportMeta = {
  since: Date.UTC(2025, 0, 1),
  until: Date.UTC(2025, 0, 1, 0, 2),
  windowMs: 60_000,
  maxHorizonMs: 3_600_000,
  thresholds: { safeRatio: 0.7, warningRatio: 0.8, criticalRatio: 0.9 },
};

const row = (over: Partial<WindowRow> = {}): WindowRow => ({
  sourceId: "host, \"a\"",
  start: meta.since,
  end: meta.since + 60_000,
  basis: "samples",
  samples: 30,
  trends: 1,
  levelMs: { LOW: 40_000, MODERATE: 20_000, HIGH: 0, CRITICAL: 0 },
  peakRatio: 0.75,
  p95Ratio: 0.74,
  meanRatio: 0.6,
  slopeRatioPerSecond: 0.001,
  transitions: 1,
  forecasts: {
    issued: 3,
    hits: 1,
    tooLate: 1,
    falseAlarms: 1,
    beyondHorizon: 0,
    open: 0,
    misses: 0,
    relativeError: { median: 0.19, p90: 0.19 },
    early: { count: 0, medianRelativeError: null, maxRelativeError: null },
    late: { count: 1, medianRelativeError: 0.19, maxRelativeError: 0.1905 },
  },
  flaggedForecasts: [
    { verdict: "tooLate", issuedAt: meta.since + 2_000, host: "host-a", predictedSeconds: 2847, actualSeconds: 57 },
    { verdict: "falseAlarm", issuedAt: meta.since + 58_000, host: "host-a", predictedSeconds: 1.8, actualSeconds: null },
  ],
  ...over,
});

function render(format: "json" | "csv" | "table", rows: WindowRow[]): string {
  let out = "";
  const writer = createReportWriter(format, meta, (t) => {
    out += t;
  });
  for (const r of rows) writer.row(r);
  writer.finish([row({ start: meta.since, end: meta.until, flaggedForecasts: undefined })], { ignored: { late: 0 }, events: { samples: 30, trends: 1 } });
  return out;
}

describe("report writer", () => {
  it("writes one JSON document with the windows streamed into it", () => {
    const doc = JSON.parse(render("json", [row(), row({ start: meta.since + 60_000 })]));
    expect(doc.windowSeconds).toBe(60);
    expect(doc.leadToleranceFactor).toBe(2);
    expect(doc.windows).toHaveLength(2);
    expect(doc.windows[1].start).toBe("2025-01-01T00:01:00.000Z");
    expect(doc.windows[0].levelSeconds).toEqual({ LOW: 40, MODERATE: 20, HIGH: 0, CRITICAL: 0 });
    expect(doc.summaries[0].forecasts.relativeError).toEqual({ median: 0.19, p90: 0.19 });
    expect(doc.summaries[0].flaggedForecasts).toBeUndefined();
    // Each window names its false alarms and too-late forecasts: when, which host, what lead.
    expect(doc.windows[0].flaggedForecasts).toEqual([
      { verdict: "tooLate", issuedAt: "2025-01-01T00:00:02.000Z", host: "host-a", predictedSeconds: 2847, actualSeconds: 57 },
      { verdict: "falseAlarm", issuedAt: "2025-01-01T00:00:58.000Z", host: "host-a", predictedSeconds: 1.8, actualSeconds: null },
    ]);
    expect(doc.events).toEqual({ samples: 30, trends: 1 });
    expect(JSON.parse(render("json", [])).windows).toEqual([]);
  });

  it("writes CSV with quoted fields, window rows then total rows", () => {
    const lines = render("csv", [row()]).trimEnd().split("\n");
    expect(lines[0]?.startsWith("scope,source,start,end,basis")).toBe(true);
    expect(lines[0]).toContain(",forecasts,hits,too_late,false_alarms,beyond_horizon,open,misses,rel_err_p50,rel_err_p90,early_hits,early_rel_err_p50,late_hits,late_rel_err_p50,late_rel_err_max");
    expect(lines[1]).toBe('window,"host, ""a""",2025-01-01T00:00:00.000Z,2025-01-01T00:01:00.000Z,samples,30,1,40,20,0,0,0.75,0.74,0.6,0.001,1,3,1,1,1,0,0,0,0.19,0.19,0,,1,0.19,0.1905');
    expect(lines[2]?.startsWith("total,")).toBe(true);
    expect(csvField(null)).toBe("");
  });

  it("writes a table with a line per window and a summary", () => {
    const text = render("table", [row()]);
    expect(text).toMatch(/host, "a"\s+2025-01-01 00:00\s+samples\s+40s\s+20s\s+-\s+-\s+75\.0%\s+74\.0%\s+\+6\.00\s+1\s+1\/1\/1\/0\s+19\.0%\/19\.0%\s+0\/1/);
    expect(text).toContain("Whole period");
    expect(text).toContain("Forecasts that were false alarms or too late (2)");
    expect(text).toMatch(/2025-01-01 00:00:02\s*│\s*host, "a"\s*│\s*host-a\s*│\s*too late\s*│\s*in 47m 27s\s*│\s*in 57\.0s/);
    expect(text).toMatch(/2025-01-01 00:00:58\s*│\s*host, "a"\s*│\s*host-a\s*│\s*false alarm\s*│\s*in 1\.8s\s*│\s*not within 3\.6s/);
    expect(render("table", [])).toContain("No memory pressure events");
    expect(render("table", [row({ flaggedForecasts: [] })])).not.toContain("false alarms or too late");
  });
});

describe("report writer's list of false alarms and too-late forecasts in the table", () => {
  it("names at most 50 and says how many more there are", () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ verdict: "falseAlarm" as const, issuedAt: meta.since + i * 1000, host: "h", predictedSeconds: 30, actualSeconds: null }));
    const text = render("table", [row({ flaggedForecasts: many })]);
    expect(text).toContain("Forecasts that were false alarms or too late (60)");
    expect(text.match(/false alarm\s*│/g)).toHaveLength(50);
    expect(text).toContain("10 more not shown");
  });
});
