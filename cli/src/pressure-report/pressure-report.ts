// The pressure report's aggregation: MemoryPressure samples and PressureTrend
// windows, in time order, become one row per source and window plus a summary
// per source. Streaming: each source holds its open window, the closed windows
// still waiting on a forecast (at most twice the horizon cap's worth) and its
// pending forecasts, so memory does not grow with the length of the period.
//
// Forecasts: a trend below CRITICAL with a finite, positive secondsToCritical
// predicts CRITICAL that long after its windowEnd. Each is watched until CRITICAL
// is seen or its watch ends, and judged by the rules of forecast-score.ts (hit
// with a relative error, too late, false alarm, beyond horizon, or open when the
// data ends first). A CRITICAL onset that no forecast hit is a miss, counted in
// the window where it began.

import type { PressureLevel } from "@lingostream/runtime";
import { judgeArrival, judgeNoArrival, watchOf } from "./forecast-score.ts";
import { type WindowRow, WindowStats, zeroLevelTimes } from "./window-stats.ts";

export interface SampleEvent {
  kind: "sample";
  sourceId: string;
  /** eventTime, epoch ms. */
  time: number;
  level: PressureLevel;
  usedRatio: number;
  /** The monitor's sampling interval, ms: how long a sample may stand for. */
  intervalMs: number;
}

export interface TrendEvent {
  kind: "trend";
  sourceId: string;
  /** The monitor's host, to name a forecast in the report. */
  host?: string;
  /** windowEnd, epoch ms: when the trend was known. */
  time: number;
  windowStart: number;
  level: PressureLevel;
  slopeRatioPerSecond: number;
  secondsToCritical: number | null;
  transitions: number;
  /** Only the plot uses it. */
  minRatio?: number;
  maxRatio: number;
  meanRatio: number;
}

export type PressureReportEvent = SampleEvent | TrendEvent;

export interface PressureReportOptions {
  /** Epoch ms, inclusive. */
  since: number;
  /** Epoch ms, exclusive. */
  until: number;
  /** Window length, ms; windows are aligned to multiples of it since the epoch. */
  windowMs: number;
  /** Forecasts are watched for at most twice this; one further out that CRITICAL did not follow by then is beyondHorizon (default 1 h). */
  maxHorizonMs?: number;
  /** A sample stands for at most this many of its intervals when the next is late (default 3). */
  gapIntervals?: number;
  /** Only these sources; default all. */
  sources?: readonly string[];
  /** Sources tracked at most; later ones are counted as ignored (default 10 000). */
  maxSources?: number;
  /** Each window's row, once the window has closed and its forecasts are resolved. */
  onRow: (row: WindowRow) => void;
}

export interface PressureReportResult {
  /** One row per source over the whole period. */
  summaries: WindowRow[];
  rows: number;
  ignored: { outOfRange: number; otherSources: number; late: number; tooManySources: number };
}

interface Forecast {
  issuedAt: number;
  host: string | null;
  predictedSeconds: number;
  /** Seen below CRITICAL after this (epoch ms), the forecast is judged without CRITICAL. */
  watchUntil: number;
  capped: boolean;
  window: WindowStats;
}

interface SourceState {
  sourceId: string;
  open: WindowStats | undefined;
  /** Closed, waiting for their forecasts (at most twice the horizon's worth); emitted in order. */
  closed: WindowStats[];
  whole: WindowStats;
  summary: { levelMs: WindowRow["levelMs"]; transitions: number; peak: number; bases: Set<WindowRow["basis"]>; samples: number; trends: number };
  lastTime: number | undefined;
  lastSample: { time: number; level: PressureLevel; standsForMs: number } | undefined;
  attributedUntil: number;
  lastTrendLevel: PressureLevel | undefined;
  critical: boolean;
  pending: Forecast[];
}

export class PressureReport {
  private readonly options: Required<Omit<PressureReportOptions, "sources">>;
  private readonly only: Set<string> | undefined;
  private readonly sources = new Map<string, SourceState>();
  private rows = 0;
  private readonly ignored = { outOfRange: 0, otherSources: 0, late: 0, tooManySources: 0 };
  private finished = false;

  constructor(options: PressureReportOptions) {
    if (!(options.windowMs > 0)) throw new RangeError(`window must be positive, got ${options.windowMs} ms`);
    if (!(options.until > options.since)) throw new RangeError("until must be after since");
    this.options = { maxHorizonMs: 3_600_000, gapIntervals: 3, maxSources: 10_000, ...options };
    this.only = options.sources && options.sources.length > 0 ? new Set(options.sources) : undefined;
  }

  add(event: PressureReportEvent): void {
    if (this.finished) throw new Error("report already finished");
    if (!(event.time >= this.options.since && event.time < this.options.until)) {
      this.ignored.outOfRange++;
      return;
    }
    if (this.only && !this.only.has(event.sourceId)) {
      this.ignored.otherSources++;
      return;
    }
    const s = this.source(event.sourceId);
    if (!s) {
      this.ignored.tooManySources++;
      return;
    }
    // Per source the merge delivers time order; a step back (a clock jump) cannot be placed.
    if (s.lastTime !== undefined && event.time < s.lastTime) {
      this.ignored.late++;
      return;
    }
    this.advance(s, event.time);
    const open = s.open!;
    if (event.kind === "sample") {
      this.attribute(s, event.time);
      open.addSample(event.time, event.usedRatio);
      s.whole.addSample(event.time, event.usedRatio);
      if (s.lastSample && s.lastSample.level !== event.level) open.addSampleTransition();
      s.lastSample = { time: event.time, level: event.level, standsForMs: this.options.gapIntervals * Math.max(1, event.intervalMs) };
      s.attributedUntil = event.time;
      this.observe(s, event.time, event.level);
    } else {
      // Transitions inside a trend are counted by the monitor; one across the boundary only shows as a changed level.
      const boundary = event.transitions === 0 && s.lastTrendLevel !== undefined && s.lastTrendLevel !== event.level ? 1 : 0;
      const trend = {
        level: event.level,
        durationMs: Math.max(0, event.time - event.windowStart),
        maxRatio: event.maxRatio,
        meanRatio: event.meanRatio,
        slopeRatioPerSecond: event.slopeRatioPerSecond,
        transitions: event.transitions + boundary,
      };
      open.addTrend({ ...trend, durationMs: Math.min(trend.durationMs, open.end - open.start) });
      s.whole.addTrend(trend);
      s.lastTrendLevel = event.level;
      this.observe(s, event.time, event.level);
      this.issue(s, event);
    }
    s.lastTime = event.time;
    this.flushReady(s);
  }

  /** Closes every window; forecasts still waiting become open. */
  finish(): PressureReportResult {
    if (!this.finished) {
      this.finished = true;
      for (const s of this.sources.values()) {
        if (s.open) {
          this.attribute(s, s.open.end);
          for (const f of s.pending) f.window.judged("open");
          s.pending = [];
          this.close(s);
        }
        this.flushReady(s);
      }
    }
    const summaries = [...this.sources.values()].map((s) => this.summaryRow(s));
    return { summaries, rows: this.rows, ignored: { ...this.ignored } };
  }

  private source(sourceId: string): SourceState | undefined {
    let s = this.sources.get(sourceId);
    if (!s) {
      if (this.sources.size >= this.options.maxSources) return undefined;
      s = {
        sourceId,
        open: undefined,
        closed: [],
        whole: new WindowStats(this.options.since, this.options.until),
        summary: { levelMs: zeroLevelTimes(), transitions: 0, peak: Number.NEGATIVE_INFINITY, bases: new Set(), samples: 0, trends: 0 },
        lastTime: undefined,
        lastSample: undefined,
        attributedUntil: Number.NEGATIVE_INFINITY,
        lastTrendLevel: undefined,
        critical: false,
        pending: [],
      };
      this.sources.set(sourceId, s);
    }
    return s;
  }

  private window(index: number): WindowStats {
    const w = this.options.windowMs;
    return new WindowStats(Math.max(this.options.since, index * w), Math.min(this.options.until, (index + 1) * w));
  }

  private indexOf(time: number): number {
    return Math.floor(time / this.options.windowMs);
  }

  /** Closes windows that end at or before `time` and opens the one holding it. */
  private advance(s: SourceState, time: number): void {
    if (!s.open) {
      s.open = this.window(this.indexOf(time));
      return;
    }
    while (time >= s.open.end) {
      this.attribute(s, s.open.end);
      const next: number = this.indexOf(s.open.start) + 1;
      this.close(s);
      const nextStart: number = next * this.options.windowMs;
      // The window right after still gets the tail of the last sample; an empty gap is skipped.
      const tail: boolean = s.lastSample !== undefined && s.lastSample.time + s.lastSample.standsForMs > Math.max(s.attributedUntil, nextStart);
      s.open = tail || time < nextStart + this.options.windowMs ? this.window(next) : this.window(this.indexOf(time));
    }
  }

  /** The last sample's level holds until `upTo`, or until it has stood for its few intervals. */
  private attribute(s: SourceState, upTo: number): void {
    const last = s.lastSample;
    if (!last || !s.open) return;
    const end = Math.min(upTo, last.time + last.standsForMs, s.open.end);
    const from = Math.max(s.attributedUntil, s.open.start);
    if (end > from) {
      s.open.addSampleLevelTime(last.level, end - from);
      s.whole.addSampleLevelTime(last.level, end - from);
      s.attributedUntil = end;
    }
  }

  private close(s: SourceState): void {
    const open = s.open!;
    open.freeze();
    s.closed.push(open);
    s.open = undefined;
  }

  private flushReady(s: SourceState): void {
    while (s.closed.length > 0 && s.closed[0]!.pending === 0) {
      const w = s.closed.shift()!;
      const row = w.row(s.sourceId, true);
      s.whole.addOutcomes(w);
      const sum = s.summary;
      for (const level of Object.keys(sum.levelMs) as PressureLevel[]) sum.levelMs[level] += row.levelMs[level];
      sum.transitions += row.transitions;
      if (row.peakRatio !== null) sum.peak = Math.max(sum.peak, row.peakRatio);
      sum.bases.add(row.basis);
      sum.samples += row.samples;
      sum.trends += row.trends;
      this.rows++;
      this.options.onRow(row);
    }
  }

  /**
   * An observation of the source's level. Below CRITICAL it ends the watch of
   * forecasts it is past; CRITICAL judges every forecast before it (the last
   * observation was inside their watch, or they would have ended), and an onset
   * that none of them hit is a miss.
   */
  private observe(s: SourceState, time: number, level: PressureLevel): void {
    if (level !== "CRITICAL") {
      s.critical = false;
      if (s.pending.length === 0) return;
      s.pending = s.pending.filter((f) => {
        if (time <= f.watchUntil) return true;
        const verdict = judgeNoArrival(f.capped);
        f.window.judged(verdict);
        if (verdict === "falseAlarm") f.window.flag({ verdict, issuedAt: f.issuedAt, host: f.host, predictedSeconds: f.predictedSeconds, actualSeconds: null });
        return false;
      });
      return;
    }
    let hits = 0;
    s.pending = s.pending.filter((f) => {
      if (!(f.issuedAt < time)) return true;
      const actualSeconds = (time - f.issuedAt) / 1000;
      const judgement = judgeArrival(f.predictedSeconds, actualSeconds);
      if (judgement.verdict === "hit") {
        f.window.judged("hit", judgement.relativeError);
        hits++;
      } else {
        f.window.judged("tooLate");
        f.window.flag({ verdict: "tooLate", issuedAt: f.issuedAt, host: f.host, predictedSeconds: f.predictedSeconds, actualSeconds });
      }
      return false;
    });
    if (!s.critical && hits === 0) s.open!.miss();
    s.critical = true;
  }

  private issue(s: SourceState, trend: TrendEvent): void {
    const seconds = trend.secondsToCritical;
    // 0 means "already CRITICAL": an observation, not a forecast.
    if (seconds === null || !Number.isFinite(seconds) || seconds <= 0 || trend.level === "CRITICAL") return;
    const open = s.open!;
    open.issued();
    const watch = watchOf(trend.time, seconds, this.options.maxHorizonMs);
    s.pending.push({ issuedAt: trend.time, host: trend.host ?? null, predictedSeconds: seconds, watchUntil: watch.until, capped: watch.capped, window: open });
  }

  private summaryRow(s: SourceState): WindowRow {
    const whole = s.whole.row(s.sourceId);
    const { bases, levelMs, transitions, peak, samples, trends } = s.summary;
    const real = [...bases].filter((b) => b !== "none");
    return {
      ...whole,
      basis: real.length === 0 ? "none" : real.length === 1 ? real[0]! : "mixed",
      levelMs: { ...levelMs },
      transitions,
      peakRatio: Number.isFinite(peak) ? peak : null,
      samples,
      trends,
    };
  }
}
