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
  forecasts: { issued: 1, hits: 1, misses: 0, falseAlarms: 0, open: 0, beyondHorizon: 0, maeSeconds: 8 },
  ...over,
});

function render(format: "json" | "csv" | "table", rows: WindowRow[]): string {
  let out = "";
  const writer = createReportWriter(format, meta, (t) => {
    out += t;
  });
  for (const r of rows) writer.row(r);
  writer.finish([row({ start: meta.since, end: meta.until })], { ignored: { late: 0 }, events: { samples: 30, trends: 1 } });
  return out;
}

describe("report writer", () => {
  it("writes one JSON document with the windows streamed into it", () => {
    const doc = JSON.parse(render("json", [row(), row({ start: meta.since + 60_000 })]));
    expect(doc.windowSeconds).toBe(60);
    expect(doc.windows).toHaveLength(2);
    expect(doc.windows[1].start).toBe("2025-01-01T00:01:00.000Z");
    expect(doc.windows[0].levelSeconds).toEqual({ LOW: 40, MODERATE: 20, HIGH: 0, CRITICAL: 0 });
    expect(doc.summaries[0].forecasts.maeSeconds).toBe(8);
    expect(doc.events).toEqual({ samples: 30, trends: 1 });
    expect(JSON.parse(render("json", [])).windows).toEqual([]);
  });

  it("writes CSV with quoted fields, window rows then total rows", () => {
    const lines = render("csv", [row()]).trimEnd().split("\n");
    expect(lines[0]?.startsWith("scope,source,start,end,basis")).toBe(true);
    expect(lines[1]).toBe('window,"host, ""a""",2025-01-01T00:00:00.000Z,2025-01-01T00:01:00.000Z,samples,30,1,40,20,0,0,0.75,0.74,0.6,0.001,1,1,1,0,0,0,0,8');
    expect(lines[2]?.startsWith("total,")).toBe(true);
    expect(csvField(null)).toBe("");
  });

  it("writes a table with a line per window and a summary", () => {
    const text = render("table", [row()]);
    expect(text).toMatch(/host, "a"\s+2025-01-01 00:00\s+samples\s+40s\s+20s\s+-\s+-\s+75\.0%\s+74\.0%\s+\+6\.00\s+1\s+1\/0\/0\s+8s/);
    expect(text).toContain("Whole period");
    expect(render("table", [])).toContain("No memory pressure events");
  });
});
