// What the plot needs of days of samples, in fixed memory: per source a fixed
// number of time buckets (about one per pixel), each keeping the lowest and
// highest used ratio and the worst level seen in it. Level periods are the
// runs of buckets at one level, so a flapping source costs no more than a calm one.

import { type PressureLevel, PressureLevels, severity } from "@lingostream/runtime";

export interface PlotPoint {
  /** Bucket middle, epoch ms. */
  t: number;
  /** null marks a gap in the data, where the line breaks. */
  min: number | null;
  max: number | null;
}

export interface LevelPeriod {
  start: number;
  end: number;
  level: PressureLevel;
}

export interface SourcePlot {
  sourceId: string;
  points: PlotPoint[];
  /** Runs of MODERATE, HIGH or CRITICAL; LOW is left unshaded. */
  periods: LevelPeriod[];
}

export interface PlotSeriesOptions {
  since: number;
  until: number;
  /** Time buckets per source (default 900, about the plot's width in pixels). */
  buckets?: number;
  /** Sources plotted at most (default 12); more would not be readable anyway. */
  maxSources?: number;
  /** A longer stretch without data breaks the line (default 5 minutes, at least 3 buckets). */
  gapMs?: number;
}

interface Buckets {
  min: Float64Array;
  max: Float64Array;
  /** severity, -1 where nothing was seen. */
  level: Int8Array;
}

export class PlotSeries {
  readonly since: number;
  readonly until: number;
  private readonly buckets: number;
  private readonly maxSources: number;
  private readonly gapMs: number;
  private readonly sources = new Map<string, Buckets>();
  /** Sources left out because maxSources were already plotted. */
  readonly skipped = new Set<string>();

  constructor(options: PlotSeriesOptions) {
    this.since = options.since;
    this.until = options.until;
    this.buckets = options.buckets ?? 900;
    this.maxSources = options.maxSources ?? 12;
    this.gapMs = options.gapMs ?? 300_000;
  }

  add(sourceId: string, time: number, minRatio: number, maxRatio: number, level: PressureLevel): void {
    if (!(time >= this.since && time < this.until)) return;
    let b = this.sources.get(sourceId);
    if (!b) {
      if (this.sources.size >= this.maxSources) {
        // Bounded too: past a few hundred names only the count matters.
        if (this.skipped.size < 1000) this.skipped.add(sourceId);
        return;
      }
      b = { min: new Float64Array(this.buckets).fill(Number.NaN), max: new Float64Array(this.buckets).fill(Number.NaN), level: new Int8Array(this.buckets).fill(-1) };
      this.sources.set(sourceId, b);
    }
    const i = Math.min(this.buckets - 1, Math.floor(((time - this.since) / (this.until - this.since)) * this.buckets));
    b.min[i] = Number.isNaN(b.min[i]!) ? minRatio : Math.min(b.min[i]!, minRatio);
    b.max[i] = Number.isNaN(b.max[i]!) ? maxRatio : Math.max(b.max[i]!, maxRatio);
    b.level[i] = Math.max(b.level[i]!, severity(level));
  }

  plots(): SourcePlot[] {
    const width = (this.until - this.since) / this.buckets;
    const at = (i: number) => this.since + i * width;
    const gap = Math.max(this.gapMs, 3 * width);
    return [...this.sources].map(([sourceId, b]) => {
      const points: PlotPoint[] = [];
      const periods: LevelPeriod[] = [];
      let run: LevelPeriod | undefined;
      for (let i = 0; i < this.buckets; i++) {
        const sev = b.level[i]!;
        if (sev >= 0) {
          const t = at(i) + width / 2;
          const previous = points.at(-1);
          if (previous && t - previous.t > gap) points.push({ t: previous.t + width, min: null, max: null });
          points.push({ t, min: b.min[i]!, max: b.max[i]! });
        }
        if (run && (sev < 0 || PressureLevels[sev] !== run.level)) {
          periods.push(run);
          run = undefined;
        }
        if (!run && sev >= severity("MODERATE")) run = { start: at(i), end: at(i + 1), level: PressureLevels[sev]! };
        if (run) run.end = at(i + 1);
      }
      if (run) periods.push(run);
      return { sourceId, points, periods };
    });
  }
}
