// Writes the pressure report as rows arrive, so a long period never sits in
// memory: json (one document, windows streamed into its array), csv (one line
// per window, then one per source for the whole period) or a plain-text table.

import Table from "cli-table3";
import { formatDuration } from "../time-args.ts";
import { type FlaggedForecast, LEAD_TOLERANCE_FACTOR } from "./forecast-score.ts";
import type { WindowRow } from "./window-stats.ts";

export type ReportFormat = "table" | "json" | "csv";
export const REPORT_FORMATS: readonly ReportFormat[] = ["table", "json", "csv"];

export interface ReportMeta {
  since: number;
  until: number;
  windowMs: number;
  maxHorizonMs: number;
  thresholds: { safeRatio: number; warningRatio: number; criticalRatio: number };
  sources?: readonly string[];
}

export interface ReportWriter {
  row(row: WindowRow): void;
  finish(summaries: WindowRow[], extra: { ignored: Record<string, number>; events: Record<string, number> }): void;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function createReportWriter(format: ReportFormat, meta: ReportMeta, write: (text: string) => void): ReportWriter {
  if (format === "json") return jsonWriter(meta, write);
  if (format === "csv") return csvWriter(write);
  return tableWriter(meta, write);
}

/** A row for machines: ISO times, seconds instead of milliseconds. */
function plainRow(row: WindowRow) {
  const { levelMs, start, end, flaggedForecasts, ...rest } = row;
  return {
    ...rest,
    start: iso(start),
    end: iso(end),
    levelSeconds: { LOW: levelMs.LOW / 1000, MODERATE: levelMs.MODERATE / 1000, HIGH: levelMs.HIGH / 1000, CRITICAL: levelMs.CRITICAL / 1000 },
    ...(flaggedForecasts ? { flaggedForecasts: flaggedForecasts.map((f) => ({ ...f, issuedAt: iso(f.issuedAt) })) } : {}),
  };
}

function jsonWriter(meta: ReportMeta, write: (text: string) => void): ReportWriter {
  const head = {
    since: iso(meta.since),
    until: iso(meta.until),
    windowSeconds: meta.windowMs / 1000,
    maxHorizonSeconds: meta.maxHorizonMs / 1000,
    /** A forecast is a hit when CRITICAL came within this factor of its lead (forecast-score.ts). */
    leadToleranceFactor: LEAD_TOLERANCE_FACTOR,
    thresholds: meta.thresholds,
    sources: meta.sources && meta.sources.length > 0 ? meta.sources : "all",
  };
  const opening = JSON.stringify(head);
  write(`${opening.slice(0, -1)},"windows":[`);
  let first = true;
  return {
    row(row) {
      write(`${first ? "\n" : ",\n"}${JSON.stringify(plainRow(row))}`);
      first = false;
    },
    finish(summaries, extra) {
      write(`\n],"summaries":${JSON.stringify(summaries.map(plainRow))},"events":${JSON.stringify(extra.events)},"ignored":${JSON.stringify(extra.ignored)}}\n`);
    },
  };
}

const CSV_HEADER = [
  "scope",
  "source",
  "start",
  "end",
  "basis",
  "samples",
  "trends",
  "low_s",
  "moderate_s",
  "high_s",
  "critical_s",
  "peak_ratio",
  "p95_ratio",
  "mean_ratio",
  "slope_ratio_per_s",
  "transitions",
  "forecasts",
  "hits",
  "too_late",
  "false_alarms",
  "beyond_horizon",
  "open",
  "misses",
  "rel_err_p50",
  "rel_err_p90",
  "early_hits",
  "early_rel_err_p50",
  "late_hits",
  "late_rel_err_p50",
  "late_rel_err_max",
];

export function csvField(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLine(scope: "window" | "total", r: WindowRow): string {
  const f = r.forecasts;
  return [
    scope,
    r.sourceId,
    iso(r.start),
    iso(r.end),
    r.basis,
    r.samples,
    r.trends,
    r.levelMs.LOW / 1000,
    r.levelMs.MODERATE / 1000,
    r.levelMs.HIGH / 1000,
    r.levelMs.CRITICAL / 1000,
    r.peakRatio,
    r.p95Ratio,
    r.meanRatio,
    r.slopeRatioPerSecond,
    r.transitions,
    f.issued,
    f.hits,
    f.tooLate,
    f.falseAlarms,
    f.beyondHorizon,
    f.open,
    f.misses,
    f.relativeError.median,
    f.relativeError.p90,
    f.early.count,
    f.early.medianRelativeError,
    f.late.count,
    f.late.medianRelativeError,
    f.late.maxRelativeError,
  ]
    .map(csvField)
    .join(",");
}

function csvWriter(write: (text: string) => void): ReportWriter {
  write(`${CSV_HEADER.join(",")}\n`);
  return {
    row: (row) => write(`${csvLine("window", row)}\n`),
    finish: (summaries) => {
      for (const s of summaries) write(`${csvLine("total", s)}\n`);
    },
  };
}

const pct = (ratio: number | null) => (ratio === null ? "-" : `${(ratio * 100).toFixed(1)}%`);
const dur = (ms: number) => (ms > 0 ? formatDuration(ms) : "-");
/** Slope in percentage points per minute: per second is too small to read. */
const slope = (perSecond: number | null) => (perSecond === null ? "-" : `${perSecond >= 0 ? "+" : ""}${(perSecond * 6000).toFixed(2)}`);
const forecasts = (r: WindowRow) => {
  const f = r.forecasts;
  return f.issued + f.misses === 0 ? "-" : `${f.hits}/${f.tooLate}/${f.falseAlarms}/${f.misses}${f.open > 0 ? ` (+${f.open} open)` : ""}`;
};
const relativeError = (r: WindowRow) => (r.forecasts.hits === 0 ? "-" : `${pct(r.forecasts.relativeError.median)}/${pct(r.forecasts.relativeError.p90)}`);
const sides = (r: WindowRow) => (r.forecasts.hits === 0 ? "-" : `${r.forecasts.early.count}/${r.forecasts.late.count}`);

function cells(r: WindowRow): string[] {
  return [
    dur(r.levelMs.LOW),
    dur(r.levelMs.MODERATE),
    dur(r.levelMs.HIGH),
    dur(r.levelMs.CRITICAL),
    pct(r.peakRatio),
    pct(r.p95Ratio),
    slope(r.slopeRatioPerSecond),
    String(r.transitions),
    forecasts(r),
    relativeError(r),
    sides(r),
  ];
}

const COLUMNS = ["LOW", "MODERATE", "HIGH", "CRITICAL", "peak", "p95", "pp/min", "trans", "hit/tooLate/FA/miss", "err p50/p90", "early/late"];
const WIDTHS = [8, 8, 8, 8, 6, 6, 7, 5, 20, 13, 10];
/** The column written left-aligned: its text grows with "(+n open)". */
const OUTCOME_COLUMN = 8;
const SOURCE_WIDTH = 24;
/** Forecasts the table names at its end; JSON names every one, in its window. */
const TABLE_FLAGGED_LIMIT = 50;

/** A lead as a reader compares it: tenths of a second under a minute. */
const lead = (seconds: number) => (seconds < 60 ? `${seconds.toFixed(1)}s` : formatDuration(seconds * 1000));

function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** Windows as fixed-width lines (streamed), then a summary table per source. */
function tableWriter(meta: ReportMeta, write: (text: string) => void): ReportWriter {
  const line = (first: string[], rest: string[]) =>
    `${[...first, ...rest.map((c, i) => (i === OUTCOME_COLUMN ? c.padEnd(WIDTHS[i]!) : c.padStart(WIDTHS[i]!)))].join("  ").trimEnd()}\n`;
  let rows = 0;
  const flagged: { sourceId: string; forecast: FlaggedForecast }[] = [];
  let flaggedTotal = 0;
  return {
    row(r) {
      for (const forecast of r.flaggedForecasts ?? []) {
        if (flaggedTotal++ < TABLE_FLAGGED_LIMIT) flagged.push({ sourceId: r.sourceId, forecast });
      }
      if (rows++ === 0) {
        write(`Memory pressure ${iso(meta.since)} – ${iso(meta.until)}, ${formatDuration(meta.windowMs)} windows (UTC)\n\n`);
        write(line([fit("source", SOURCE_WIDTH), "window".padEnd(16), "basis  "], COLUMNS));
      }
      write(line([fit(r.sourceId, SOURCE_WIDTH), iso(r.start).slice(0, 16).replace("T", " "), r.basis.padEnd(7)], cells(r)));
    },
    finish(summaries, extra) {
      if (rows === 0) write(`No memory pressure events between ${iso(meta.since)} and ${iso(meta.until)}.\n`);
      if (summaries.length > 0) {
        const table = new Table({
          head: ["source", "basis", ...COLUMNS],
          chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
          style: { head: [], border: [] },
        });
        for (const s of summaries) table.push([s.sourceId, s.basis, ...cells(s)]);
        write(`\nWhole period\n${table.toString()}\n`);
      }
      if (flaggedTotal > 0) write(flaggedTable(flagged, flaggedTotal));
      const t = meta.thresholds;
      write(
        `\nLevels from MODERATE ${pct(t.safeRatio)}, HIGH ${pct(t.warningRatio)}, CRITICAL ${pct(t.criticalRatio)}. ` +
          `pp/min: slope in percentage points per minute. Forecasts of time to CRITICAL: hit when CRITICAL came within ${LEAD_TOLERANCE_FACTOR}x of the predicted lead either way; ` +
          `tooLate when it came in under 1/${LEAD_TOLERANCE_FACTOR} of it; FA (false alarm) when the source was seen below CRITICAL after ${LEAD_TOLERANCE_FACTOR}x the lead; ` +
          `miss: a CRITICAL onset no forecast hit. err: |predicted - actual| / actual lead over the hits, median/p90; ` +
          `early/late: hits that said no later / later than CRITICAL came (late is the dangerous side). ` +
          `Forecasts beyond ${formatDuration(meta.maxHorizonMs)} are watched for ${formatDuration(LEAD_TOLERANCE_FACTOR * meta.maxHorizonMs)} and not scored if CRITICAL did not come.\n`,
      );
      const ignored = Object.entries(extra.ignored).filter(([, n]) => n > 0);
      if (ignored.length > 0) write(`Ignored events: ${ignored.map(([k, n]) => `${n} ${k}`).join(", ")}.\n`);
    },
  };
}

/** The false alarms and too-late forecasts, named so a reader can find them in the monitor's output. */
function flaggedTable(flagged: { sourceId: string; forecast: FlaggedForecast }[], total: number): string {
  const table = new Table({
    head: ["issued (UTC)", "source", "host", "verdict", "predicted", "CRITICAL came"],
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
    style: { head: [], border: [] },
  });
  for (const { sourceId, forecast: f } of flagged) {
    table.push([
      iso(f.issuedAt).slice(0, 19).replace("T", " "),
      sourceId,
      f.host ?? "-",
      f.verdict === "falseAlarm" ? "false alarm" : "too late",
      `in ${lead(f.predictedSeconds)}`,
      f.actualSeconds === null ? `not within ${lead(LEAD_TOLERANCE_FACTOR * f.predictedSeconds)}` : `in ${lead(f.actualSeconds)}`,
    ]);
  }
  const more = total > flagged.length ? `${total - flagged.length} more not shown (--format json names every one in its window).\n` : "";
  return `\nForecasts that were false alarms or too late (${total})\n${table.toString()}\n${more}`;
}
