// How the report judges a time-to-CRITICAL forecast, and the figures it keeps
// of the judgements. The rules live here and nowhere else.
//
// Error is relative to the lead: being 10 s out matters for a forecast of 20 s
// and not for one of 40 min, so an absolute mean lets one long forecast swamp
// every short one (on a ramp, five forecasts right to a tenth of a second and
// one of 47 min that CRITICAL beat by 46 min average 15 min). Relative error =
// (predicted - actual) / actual lead: above 0 the forecast said later than
// CRITICAL came (late: the dangerous side, there was less time than promised),
// at or below 0 it said no later (early: conservative).
//
// A forecast counts as a hit only when CRITICAL came within a factor of its
// predicted lead either way; its relative error then lies in [-1/2, 1] (a
// little below -1/2 when sparse observations see CRITICAL late), so the median
// and p90 describe forecasts that were roughly right and no single outlier
// moves them. Outside the factor it is not averaged but classified, and listed:
// - too late: CRITICAL came in under half the predicted lead. The forecast
//   promised time that was not there; it did not warn of that onset.
// - false alarm: the source was seen below CRITICAL after twice the predicted
//   lead had passed. Judged on an observation, not on the clock, so a gap in the
//   data does not turn a forecast false.
// - beyond horizon: a forecast further out than the horizon is watched for
//   twice the horizon at most; if CRITICAL has not come by then it is not scored.
// - open: the data ended while the forecast was still being watched.

import { RatioHistogram } from "./ratio-histogram.ts";

/** A forecast is right when CRITICAL came within this factor of its predicted lead, either way. */
export const LEAD_TOLERANCE_FACTOR = 2;

export type ForecastVerdict = "hit" | "tooLate" | "falseAlarm" | "beyondHorizon" | "open";

/** Until when (epoch ms) a forecast is watched for CRITICAL, and whether the horizon cut the watch short. */
export function watchOf(issuedAt: number, predictedSeconds: number, maxHorizonMs: number): { until: number; capped: boolean } {
  const watchMs = LEAD_TOLERANCE_FACTOR * predictedSeconds * 1000;
  const capMs = LEAD_TOLERANCE_FACTOR * maxHorizonMs;
  return watchMs > capMs ? { until: issuedAt + capMs, capped: true } : { until: issuedAt + watchMs, capped: false };
}

/** The verdict on a forecast that CRITICAL followed after `actualSeconds`. */
export function judgeArrival(predictedSeconds: number, actualSeconds: number): { verdict: "hit"; relativeError: number } | { verdict: "tooLate" } {
  if (predictedSeconds > LEAD_TOLERANCE_FACTOR * actualSeconds) return { verdict: "tooLate" };
  return { verdict: "hit", relativeError: (predictedSeconds - actualSeconds) / actualSeconds };
}

/** The verdict on a forecast whose watch ended (a later observation below CRITICAL) without CRITICAL. */
export function judgeNoArrival(capped: boolean): "falseAlarm" | "beyondHorizon" {
  return capped ? "beyondHorizon" : "falseAlarm";
}

/** A forecast the report names because it was not a hit: the reader can find it in the monitor's output. */
export interface FlaggedForecast {
  verdict: "falseAlarm" | "tooLate";
  /** The trend's windowEnd, epoch ms. */
  issuedAt: number;
  host: string | null;
  predictedSeconds: number;
  /** Seconds until CRITICAL came (too late); null for a false alarm. */
  actualSeconds: number | null;
}

export interface SideFigures {
  count: number;
  /** Median and largest |relative error| on this side; null without hits on it. */
  medianRelativeError: number | null;
  maxRelativeError: number | null;
}

export interface ForecastOutcomes {
  /** Trends below CRITICAL with a finite, positive time-to-CRITICAL. Every one ends in exactly one of the five verdicts. */
  issued: number;
  hits: number;
  tooLate: number;
  falseAlarms: number;
  beyondHorizon: number;
  open: number;
  /** CRITICAL onsets in this window that no forecast hit. */
  misses: number;
  /** Median and p90 of |relative error| over the hits (0.001 resolution); null without hits. */
  relativeError: { median: number | null; p90: number | null };
  /** Hits that said no later than CRITICAL came. */
  early: SideFigures;
  /** Hits that said later than CRITICAL came. */
  late: SideFigures;
}

/** One side's |relative errors|, in fixed memory once allocated (histograms only exist where hits do). */
class Side {
  count = 0;
  max = 0;
  histogram: RatioHistogram | undefined;

  add(absError: number): void {
    this.count++;
    this.max = Math.max(this.max, absError);
    this.histogram ??= new RatioHistogram();
    this.histogram.add(absError);
  }

  merge(other: Side): void {
    if (other.count === 0) return;
    this.count += other.count;
    this.max = Math.max(this.max, other.max);
    this.histogram ??= new RatioHistogram();
    this.histogram.addAll(other.histogram!);
  }

  figures(): SideFigures {
    return { count: this.count, medianRelativeError: this.histogram?.quantile(0.5) ?? null, maxRelativeError: this.count > 0 ? this.max : null };
  }
}

/** Verdict counts and error distribution of a set of forecasts (a window's, or a source's over the period). */
export class ForecastScore {
  private readonly counts = { issued: 0, hits: 0, tooLate: 0, falseAlarms: 0, beyondHorizon: 0, open: 0, misses: 0 };
  private readonly early = new Side();
  private readonly late = new Side();

  issued(): void {
    this.counts.issued++;
  }

  miss(): void {
    this.counts.misses++;
  }

  record(verdict: ForecastVerdict, relativeError = 0): void {
    if (verdict === "hit") {
      this.counts.hits++;
      if (relativeError > 0) this.late.add(relativeError);
      else this.early.add(-relativeError);
    } else if (verdict === "tooLate") this.counts.tooLate++;
    else if (verdict === "falseAlarm") this.counts.falseAlarms++;
    else if (verdict === "beyondHorizon") this.counts.beyondHorizon++;
    else this.counts.open++;
  }

  merge(other: ForecastScore): void {
    for (const key of Object.keys(this.counts) as (keyof typeof this.counts)[]) this.counts[key] += other.counts[key];
    this.early.merge(other.early);
    this.late.merge(other.late);
  }

  outcomes(): ForecastOutcomes {
    let both: RatioHistogram | undefined;
    if (this.counts.hits > 0) {
      both = new RatioHistogram();
      for (const side of [this.early, this.late]) if (side.histogram) both.addAll(side.histogram);
    }
    return {
      ...this.counts,
      relativeError: { median: both?.quantile(0.5) ?? null, p90: both?.quantile(0.9) ?? null },
      early: this.early.figures(),
      late: this.late.figures(),
    };
  }
}
