// The scaling benchmark's arithmetic, free of I/O: the speed-up whole
// partitions allow, throughput over a run's own event times, gaps between
// results around a group change, and the rows built from them.

import type { Measured, Row } from "./report.ts";
import { ratio } from "./report.ts";

/**
 * The most a group of `consumers` can get through, in units of one consumer,
 * when every partition holds the same work: a partition is read by one member
 * only, so the member with the most partitions (ceil(P / N)) sets the pace.
 * min(N, P) whenever N divides P or N ≥ P.
 */
export function idealSpeedup(consumers: number, partitions: number): number {
  if (consumers < 1 || partitions < 1) return Number.NaN;
  return partitions / Math.ceil(partitions / Math.min(consumers, partitions));
}

/** Segments for N processes: the work of `secondsPerRun` for one, times the ideal speed-up, a whole number per partition. */
export function fleetSegments(processes: number, options: { partitions: number; delayMs: number; secondsPerRun: number }): number {
  const segmentSeconds = (30 * options.delayMs) / 1000;
  const wanted = (options.secondsPerRun / segmentSeconds) * idealSpeedup(processes, options.partitions);
  return Math.max(1, Math.ceil(wanted / options.partitions)) * options.partitions;
}

/** A timed run: `segments` segments (`audioSeconds` of audio) from the first produced to the last result, epoch ms. */
export interface TimedRun {
  segments: number;
  audioSeconds: number;
  firstProducedMs: number;
  lastResultMs: number;
}

export function spanSeconds(run: TimedRun): number {
  return (run.lastResultMs - run.firstProducedMs) / 1000;
}

export function segmentsPerSecond(run: TimedRun): number {
  const span = spanSeconds(run);
  return span > 0 ? run.segments / span : Number.NaN;
}

export function audioSecondsPerSecond(run: TimedRun): number {
  const span = spanSeconds(run);
  return span > 0 ? run.audioSeconds / span : Number.NaN;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median gap between consecutive result times that both lie in [fromMs, toMs), ms; NaN with fewer than two. */
export function medianGapMs(sortedTimes: readonly number[], fromMs: number, toMs: number): number {
  const inside = sortedTimes.filter((t) => t >= fromMs && t < toMs);
  return median(inside.slice(1).map((t, i) => t - inside[i]!));
}

export interface Gap {
  /** Result before the gap and the one after it, epoch ms. */
  fromMs: number;
  toMs: number;
  ms: number;
}

/**
 * The longest stretch without a result that overlaps [fromMs, toMs]: between
 * consecutive results, the later after fromMs and the earlier before toMs. A
 * pause that began just before the event still counts, since that is when
 * the output stopped. Undefined when no pair of results overlaps the window.
 */
export function largestGap(sortedTimes: readonly number[], fromMs: number, toMs: number): Gap | undefined {
  let best: Gap | undefined;
  for (let i = 1; i < sortedTimes.length; i++) {
    const a = sortedTimes[i - 1]!;
    const b = sortedTimes[i]!;
    if (b <= fromMs || a >= toMs) continue;
    if (!best || b - a > best.ms) best = { fromMs: a, toMs: b, ms: b - a };
  }
  return best;
}

/** A change of the group's membership during the rebalance run. */
export interface GroupEvent {
  kind: "join" | "leave";
  /** When the process was started (join) or sent SIGTERM (leave), epoch ms. */
  atMs: number;
  /** When the group was seen stable with its new membership again, epoch ms. */
  settledMs: number;
  membersBefore: number;
  membersAfter: number;
  /**
   * The steady stretch the event is compared with, epoch ms: the smaller
   * membership's, whose normal gaps are the longer (before a join, after a leave).
   */
  steadyFromMs: number;
  steadyToMs: number;
}

export interface EventPause {
  event: GroupEvent;
  /** Median gap between results over the event's steady stretch, ms. */
  steadyGapMs: number;
  /** Largest gap within the steady stretch, ms: the longest wait that is normal there. */
  steadyLargestGapMs: number;
  gap: Gap | undefined;
}

/** Per event: the largest gap in results from the event until `afterSettledMs` past the group settling, against its steady stretch. */
export function eventPauses(sortedTimes: readonly number[], events: readonly GroupEvent[], afterSettledMs: number): EventPause[] {
  return events.map((event) => {
    const steady = sortedTimes.filter((t) => t >= event.steadyFromMs && t < event.steadyToMs);
    return {
      event,
      steadyGapMs: medianGapMs(sortedTimes, event.steadyFromMs, event.steadyToMs),
      steadyLargestGapMs: largestGap(steady, event.steadyFromMs, event.steadyToMs)?.ms ?? Number.NaN,
      gap: largestGap(sortedTimes, event.atMs, event.settledMs + afterSettledMs),
    };
  });
}

const seconds = (ms: number) => ms / 1000;

export function pauseRows(pauses: readonly EventPause[], label: (event: GroupEvent) => string): Row[] {
  return pauses.map((p) => {
    const gapSeconds = p.gap ? seconds(p.gap.ms) : Number.NaN;
    return {
      what: label(p.event),
      baseline: { label: "steady median gap", value: seconds(p.steadyGapMs), unit: "s" },
      subject: { label: "largest gap", value: gapSeconds, unit: "s" },
      ratio: ratio(gapSeconds, seconds(p.steadyGapMs)),
    };
  });
}

/** One size of the simulated fleet: N processes on the same group. */
export interface FleetRun extends TimedRun {
  processes: number;
}

/**
 * Throughput at each N against N = 1 (goal: a share of the ideal speed-up),
 * and the largest N past the partition count against N = partitions (goal: no
 * faster, within `flatTolerance`).
 */
export function fleetRows(runs: readonly FleetRun[], partitions: number, idealShare: number, flatTolerance: number): Row[] {
  const one = runs.find((r) => r.processes === 1);
  if (!one) return [];
  const base: Measured = { label: "1 process", value: segmentsPerSecond(one), unit: "segments/s" };
  const rows: Row[] = runs
    .filter((r) => r.processes > 1)
    .map((r) => {
      const ideal = idealSpeedup(r.processes, partitions);
      const speedup = ratio(segmentsPerSecond(r), base.value);
      return {
        what: `deterministic engine, ${r.processes} processes vs 1 on ${partitions} partitions: segments per second (ideal ${formatIdeal(ideal)})`,
        baseline: base,
        subject: { label: `${r.processes} processes`, value: segmentsPerSecond(r), unit: "segments/s" },
        ratio: speedup,
        goal: `≥ ${formatIdeal(idealShare * ideal)} (${idealShare} × ideal)`,
        met: speedup >= idealShare * ideal,
      };
    });
  const atPartitions = runs.find((r) => r.processes === partitions);
  const past = runs.filter((r) => r.processes > partitions).at(-1);
  if (atPartitions && past) {
    const r = ratio(segmentsPerSecond(past), segmentsPerSecond(atPartitions));
    rows.push({
      what: `deterministic engine, ${past.processes} processes vs ${partitions} (= partitions): segments per second; members beyond the partitions get none`,
      baseline: { label: `${partitions} processes`, value: segmentsPerSecond(atPartitions), unit: "segments/s" },
      subject: { label: `${past.processes} processes`, value: segmentsPerSecond(past), unit: "segments/s" },
      ratio: r,
      goal: `≤ ${1 + flatTolerance} (no faster)`,
      met: r <= 1 + flatTolerance,
    });
  }
  return rows;
}

function formatIdeal(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

/**
 * Two processes against one, the one-process runs taken before and after
 * (load drift cancels): the baseline is the clip over the mean of their spans.
 */
export function pairRow(what: string, before: TimedRun, two: TimedRun, after: TimedRun, goal: number): Row {
  const meanSpan = (spanSeconds(before) + spanSeconds(after)) / 2;
  const baseline = meanSpan > 0 ? two.audioSeconds / meanSpan : Number.NaN;
  const subject = audioSecondsPerSecond(two);
  const r = ratio(subject, baseline);
  return {
    what,
    baseline: { label: "1 process (mean span of the runs before and after)", value: baseline, unit: "audio s/s" },
    subject: { label: "2 processes", value: subject, unit: "audio s/s" },
    ratio: r,
    goal: `≥ ${goal}`,
    met: r >= goal,
  };
}
