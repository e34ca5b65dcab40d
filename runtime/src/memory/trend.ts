// Trend of one source's memory over a sliding time window: least-squares slope,
// EWMA, extremes, level transitions and a forecast of when CRITICAL is reached.
// The window is bounded by time and by count, so it never grows with uptime.

import type { PressureTrend } from "@lingostream/schemas";
import type { PressureLevel } from "./levels.ts";

export interface TrendPoint {
  /** Epoch ms. */
  time: number;
  usedRatio: number;
  usedBytes: number;
  level: PressureLevel;
}

export interface TrendOptions {
  /** Samples older than this before the newest are dropped, ms (default 60 000). */
  windowMs: number;
  /** Hard cap on samples held, whatever the sampling rate (default 1024). */
  maxSamples?: number;
  /** EWMA weight of the newest sample, 0 < alpha <= 1 (default 0.3). */
  alpha: number;
  /** The CRITICAL threshold the forecast aims at. */
  criticalRatio: number;
}

/** A window's analysis: the PressureTrend event less who published it and about which source. */
export type TrendStats = Omit<PressureTrend, "sourceId" | "host" | "producerId" | "eventTime">;

export class TrendWindow {
  private readonly windowMs: number;
  private readonly maxSamples: number;
  private readonly alpha: number;
  private readonly criticalRatio: number;
  private points: TrendPoint[] = [];
  private ewma: number | undefined;

  constructor(options: TrendOptions) {
    if (!(options.alpha > 0 && options.alpha <= 1)) throw new RangeError(`EWMA alpha must be in (0, 1], got ${options.alpha}`);
    this.windowMs = options.windowMs;
    this.maxSamples = Math.max(2, options.maxSamples ?? 1024);
    this.alpha = options.alpha;
    this.criticalRatio = options.criticalRatio;
  }

  get size(): number {
    return this.points.length;
  }

  add(point: TrendPoint): void {
    const last = this.points.at(-1);
    // A clock step backwards would make the regression meaningless; start afresh instead.
    if (last && point.time < last.time) this.points = [];
    this.points.push(point);
    this.ewma = this.ewma === undefined ? point.usedRatio : this.alpha * point.usedRatio + (1 - this.alpha) * this.ewma;
    const oldest = point.time - this.windowMs;
    let drop = 0;
    while (drop < this.points.length - 1 && (this.points[drop]!.time < oldest || this.points.length - drop > this.maxSamples)) drop++;
    if (drop > 0) this.points.splice(0, drop);
  }

  /** Statistics over the window; undefined before the first sample. */
  stats(): TrendStats | undefined {
    const points = this.points;
    const first = points[0];
    const last = points.at(-1);
    if (!first || !last || this.ewma === undefined) return undefined;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let sum = 0;
    let transitions = 0;
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      min = Math.min(min, p.usedRatio);
      max = Math.max(max, p.usedRatio);
      sum += p.usedRatio;
      if (i > 0 && points[i - 1]!.level !== p.level) transitions++;
    }
    const slopeRatio = slope(points, first.time, (p) => p.usedRatio);
    return {
      windowStart: first.time,
      windowEnd: last.time,
      samples: points.length,
      slopeRatioPerSecond: slopeRatio,
      slopeBytesPerSecond: slope(points, first.time, (p) => p.usedBytes),
      ewmaRatio: this.ewma,
      minRatio: min,
      maxRatio: max,
      meanRatio: sum / points.length,
      secondsToCritical: forecastSecondsTo(this.criticalRatio, last.usedRatio, slopeRatio, last.level),
      level: last.level,
      transitions,
    };
  }

  clear(): void {
    this.points = [];
    this.ewma = undefined;
  }
}

/** Least-squares slope of y over time, per second; 0 with fewer than two distinct times. */
export function slope(points: readonly TrendPoint[], origin: number, y: (p: TrendPoint) => number): number {
  const n = points.length;
  if (n < 2) return 0;
  // Seconds from the first sample keep the sums small enough for doubles.
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += (p.time - origin) / 1000;
    sy += y(p);
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    const dx = (p.time - origin) / 1000 - mx;
    sxx += dx * dx;
    sxy += dx * (y(p) - my);
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

export function forecastSecondsTo(criticalRatio: number, ratio: number, slopePerSecond: number, level?: PressureLevel): number | null {
  if (level === "CRITICAL" || ratio >= criticalRatio) return 0;
  if (!(slopePerSecond > 0)) return null;
  return (criticalRatio - ratio) / slopePerSecond;
}
