// What one source did in one time window, built up event by event: time per
// level, peak and p95 used ratio, slope, transitions, and forecast outcomes.
// Two bases: MemoryPressure samples (exact, but the compacted topic keeps only
// recent ones) and PressureTrend windows (coarser, kept for 30 days); a row
// uses samples when it has any and falls back to trends otherwise.

import type { PressureLevel } from "@lingostream/runtime";
import { type FlaggedForecast, type ForecastOutcomes, ForecastScore, type ForecastVerdict } from "./forecast-score.ts";
import { RatioHistogram } from "./ratio-histogram.ts";

export type LevelTimes = Record<PressureLevel, number>;

export interface WindowRow {
  sourceId: string;
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  basis: "samples" | "trends" | "mixed" | "none";
  samples: number;
  trends: number;
  /** Time observed at each level, ms (samples: each holds until the next, at most a few intervals). */
  levelMs: LevelTimes;
  peakRatio: number | null;
  /** Samples: p95 of the samples; trends: p95 of the trend windows' maxima (an upper bound). */
  p95Ratio: number | null;
  meanRatio: number | null;
  /** Samples: least squares over the window; trends: duration-weighted mean of their slopes. */
  slopeRatioPerSecond: number | null;
  transitions: number;
  /** Verdicts on the forecasts issued in this window (forecast-score.ts), and misses of the CRITICAL onsets that began in it. */
  forecasts: ForecastOutcomes;
  /** Window rows only: this window's forecasts that were false alarms or too late, in the order issued. */
  flaggedForecasts?: FlaggedForecast[];
}

export function zeroLevelTimes(): LevelTimes {
  return { LOW: 0, MODERATE: 0, HIGH: 0, CRITICAL: 0 };
}

/** Least-squares slope from running sums; x in seconds from the window's start. */
class SlopeSums {
  n = 0;
  private sx = 0;
  private sy = 0;
  private sxx = 0;
  private sxy = 0;

  add(x: number, y: number): void {
    this.n++;
    this.sx += x;
    this.sy += y;
    this.sxx += x * x;
    this.sxy += x * y;
  }

  slope(): number | null {
    if (this.n < 2) return null;
    const d = this.n * this.sxx - this.sx * this.sx;
    return d > 0 ? (this.n * this.sxy - this.sx * this.sy) / d : null;
  }
}

interface Basis {
  count: number;
  histogram: RatioHistogram | undefined;
  peak: number;
  levelMs: LevelTimes;
  transitions: number;
  ratioSum: number;
}

function emptyBasis(): Basis {
  return { count: 0, histogram: new RatioHistogram(), peak: Number.NEGATIVE_INFINITY, levelMs: zeroLevelTimes(), transitions: 0, ratioSum: 0 };
}

export class WindowStats {
  readonly start: number;
  readonly end: number;
  /** Forecasts issued here that are not resolved yet; the row waits for them. */
  pending = 0;
  private readonly sample = emptyBasis();
  private readonly trend = emptyBasis();
  private readonly sampleSlope = new SlopeSums();
  private trendSlopeWeighted = 0;
  private trendSlopeWeight = 0;
  private readonly score = new ForecastScore();
  private readonly flagged: FlaggedForecast[] = [];
  private frozen: Omit<WindowRow, "sourceId" | "forecasts"> | undefined;

  constructor(start: number, end: number) {
    this.start = start;
    this.end = end;
  }

  addSample(time: number, ratio: number): void {
    this.assertOpen();
    add(this.sample, ratio);
    this.sampleSlope.add((time - this.start) / 1000, ratio);
  }

  addSampleLevelTime(level: PressureLevel, ms: number): void {
    this.assertOpen();
    this.sample.levelMs[level] += ms;
  }

  addSampleTransition(): void {
    this.assertOpen();
    this.sample.transitions++;
  }

  addTrend(t: { level: PressureLevel; durationMs: number; maxRatio: number; meanRatio: number; slopeRatioPerSecond: number; transitions: number }): void {
    this.assertOpen();
    add(this.trend, t.maxRatio, t.meanRatio);
    this.trend.levelMs[t.level] += t.durationMs;
    this.trend.transitions += t.transitions;
    // A window of one sample has no slope worth weighting.
    const weight = Math.max(t.durationMs, 1);
    this.trendSlopeWeighted += t.slopeRatioPerSecond * weight;
    this.trendSlopeWeight += weight;
  }

  /** A forecast issued here; the row waits until it is judged. */
  issued(): void {
    this.score.issued();
    this.pending++;
  }

  judged(verdict: ForecastVerdict, relativeError?: number): void {
    this.pending--;
    this.score.record(verdict, relativeError);
  }

  /** Named in the row: a false alarm or a forecast that was too late. */
  flag(forecast: FlaggedForecast): void {
    this.flagged.push(forecast);
  }

  miss(): void {
    this.score.miss();
  }

  /** Adds another window's forecast figures (for the whole-period summary). */
  addOutcomes(other: WindowStats): void {
    this.score.merge(other.score);
  }

  /** Computes the ratios and drops the histograms: a closed window keeps a few numbers only. */
  freeze(): void {
    if (this.frozen) return;
    // A window reached only by the tail of an earlier sample still has sample time.
    const useSamples = this.sample.count > 0 || Object.values(this.sample.levelMs).some((ms) => ms > 0);
    const basis = useSamples ? this.sample : this.trend;
    const has = basis.count > 0;
    this.frozen = {
      start: this.start,
      end: this.end,
      basis: useSamples ? "samples" : this.trend.count > 0 ? "trends" : "none",
      samples: this.sample.count,
      trends: this.trend.count,
      levelMs: { ...basis.levelMs },
      peakRatio: has ? basis.peak : null,
      p95Ratio: basis.histogram?.quantile(0.95) ?? null,
      meanRatio: has ? basis.ratioSum / basis.count : null,
      slopeRatioPerSecond: useSamples ? this.sampleSlope.slope() : this.trendSlopeWeight > 0 ? this.trendSlopeWeighted / this.trendSlopeWeight : null,
      transitions: basis.transitions,
    };
    this.sample.histogram = undefined;
    this.trend.histogram = undefined;
  }

  /** The row; `withFlagged` for a window row, which names its false alarms and too-late forecasts. */
  row(sourceId: string, withFlagged = false): WindowRow {
    this.freeze();
    const row: WindowRow = { sourceId, ...this.frozen!, forecasts: this.score.outcomes() };
    if (withFlagged) row.flaggedForecasts = [...this.flagged].sort((a, b) => a.issuedAt - b.issuedAt);
    return row;
  }

  private assertOpen(): void {
    if (this.frozen) throw new Error("window already closed");
  }
}

function add(basis: Basis, ratio: number, meanRatio = ratio): void {
  basis.count++;
  basis.histogram?.add(ratio);
  basis.peak = Math.max(basis.peak, ratio);
  basis.ratioSum += meanRatio;
}
