// Durations and points in time as users type them on the command line, the
// one parser every command's --since/--until/--window uses: "90s", "1m",
// "1.5h", "2d" for durations; the same meaning "that long ago", an ISO 8601
// date or date-time, or "now" for points in time.

import { PipelineError } from "@lingostream/runtime";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds of "500ms", "30s", "1m", "2h", "1d", "1w"; a bare number is seconds. */
export function parseDuration(text: string, what = "duration"): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (!match) throw new PipelineError("config-invalid", `${what} ${JSON.stringify(text)} is not a duration like 30s, 1m, 2h or 1d`);
  const ms = Number(match[1]) * UNITS[match[2] ?? "s"]!;
  if (!(ms > 0)) throw new PipelineError("config-invalid", `${what} must be longer than zero, got ${JSON.stringify(text)}`);
  return Math.round(ms);
}

/** Epoch ms of "now", a duration ago ("24h"), or an ISO 8601 date-time. */
export function parseTimePoint(text: string, now: number, what = "time"): number {
  const trimmed = text.trim();
  if (trimmed === "now") return now;
  if (/^\d+(?:\.\d+)?\s*(ms|s|m|h|d|w)$/.test(trimmed)) return now - parseDuration(trimmed, what);
  // Only ISO-like dates: Date.parse alone takes "5" as the year 2005 and reads
  // local formats such as 01/02/2026 one way or the other.
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) {
    const ms = Date.parse(trimmed);
    if (Number.isFinite(ms)) return ms;
  }
  throw new PipelineError("config-invalid", `${what} ${JSON.stringify(text)} is neither "now", a duration ago (30m, 24h, 7d) nor an ISO date such as 2026-01-02T10:00:00Z`);
}

/** "1h 02m", "45s", "2d 03h": durations for tables. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${String(h % 24).padStart(2, "0")}h`;
}
