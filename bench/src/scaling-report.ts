// What the scaling benchmark measures and how it is reported: its options
// and goals, the figures each part hands back, and the rows, notes and charts
// built from them.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { countRepeats } from "./fixtures/results-scan.ts";
import { renderLineChart } from "./line-chart.ts";
import { type BenchContext, type BenchmarkOutcome, type Chart, type Row, ratio } from "./report.ts";
import type { RssStats } from "./rss-sampler.ts";
import { type EventPause, type FleetRun, fleetRows, type GroupEvent, idealSpeedup, pairRow, pauseRows, segmentsPerSecond, spanSeconds } from "./scaling-figures.ts";
import type { Speech } from "./scaling-seed.ts";
import { STACK_SERVICES } from "./stack-processes.ts";
import { formatBytes } from "./summary.ts";

export interface ScalingOptions {
  /** Part 1: at least this much real speech, s, decoded by PocketSphinx in each of the three runs. */
  speechSeconds: number;
  /** Part 2: partitions of the segments topic; N past it must be no faster. */
  partitions: number;
  /** Part 2: process counts, 1 first. */
  processCounts: readonly number[];
  /** Parts 2 and 3: the deterministic engine's sleep per second of audio, ms (a 30 s segment costs 30 times this). */
  delayMs: number;
  /** Part 2: each run gets the work one process would do in this long, times the ideal speed-up, s. */
  secondsPerRun: number;
  /** Part 3: processes consuming before one joins (and one later leaves). */
  rebalanceProcesses: number;
  /** Part 3: steady stretch before each event, and how long to let it run once the group is stable again, s. */
  steadySeconds: number;
}

/**
 * About 20 minutes on two quiet cores: PocketSphinx about 3 + 1.5 + 3 minutes
 * on 21 minutes of speech (at least 20 are used: the segment count is made
 * even), five simulated sizes of a minute each plus their joins, and the
 * rebalance run.
 */
export const SCALING_FULL: ScalingOptions = {
  speechSeconds: 1260,
  partitions: 8,
  processCounts: [1, 2, 4, 8, 16],
  delayMs: 50,
  secondsPerRun: 60,
  rebalanceProcesses: 4,
  steadySeconds: 20,
};
export const SCALING_QUICK: ScalingOptions = {
  speechSeconds: 180,
  partitions: 2,
  processCounts: [1, 2, 4],
  delayMs: 50,
  secondsPerRun: 15,
  rebalanceProcesses: 1,
  steadySeconds: 12,
};

const PAIR_GOAL = 1.8;
/** Part 2's goal: this share of the ideal speed-up. */
const IDEAL_SHARE = 0.8;
/** Part 2: N past the partitions may be this much faster than N = partitions and still count as no faster (noise). */
const FLAT_TOLERANCE = 0.05;
/** Part 3: the largest gap is looked for from the event until this long after the group is stable again, ms. */
export const AFTER_SETTLED_MS = 5000;

/** What one run of a fleet measured. */
export interface FleetMeasurement extends FleetRun {
  partitions: number;
  deadLetters: number;
  /** Spawn of the first process → group stable with all of them, s. */
  joinSeconds: number;
  /** Per process over the timed span: CPU of the worker and of its decoders, peak RSS (with its decoders when sampled). */
  workers: { id: number; cpuSeconds: number; decoderCpuSeconds: number; peakRssBytes: number; peakTreeRssBytes?: number }[];
  /** The stack's servers over the run. */
  stack: Record<string, Pick<RssStats, "startRssBytes" | "peakRssBytes">>;
  load: number[];
}

export interface PairPart {
  speech: Speech;
  /** Segments the speech was cut into, and those used (an even count). */
  cut: number;
  segments: number;
  audioSeconds: number;
  partitions: number;
  runs: FleetMeasurement[];
}

export interface RebalancePart {
  processes: number;
  partitions: number;
  segments: number;
  events: GroupEvent[];
  /** The leaving process's SIGTERM → exit, s. */
  drainSeconds: number;
  /** Result times, epoch ms, sorted. */
  results: number[];
  startMs: number;
  repeats: ReturnType<typeof countRepeats>;
  pauses: EventPause[];
}

/** Lengths of the rebalance run's segments, s: varied (and 5, prime to the partition counts), so the processes drift apart rather than finish segments in step. */
export const REBALANCE_SEGMENT_SECONDS = [20, 25, 30, 35, 40];

export type Part<T> = { ok: true; value: T } | { ok: false; error: string };

const mib = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "n/a" : formatBytes(n));

/** Per process: CPU over the span (and the share of the span it was on a core, which shows whether cores or the pipeline held it back), peak RSS. */
function workerFigures(run: FleetMeasurement): string {
  const span = spanSeconds(run);
  return run.workers
    .map(
      (w) =>
        `process ${w.id}: CPU ${w.cpuSeconds.toFixed(1)} s + decoder ${w.decoderCpuSeconds.toFixed(1)} s = ${((w.cpuSeconds + w.decoderCpuSeconds) / span).toFixed(2)} of the span, peak RSS ${mib(w.peakRssBytes)}${w.peakTreeRssBytes === undefined ? "" : ` (with its decoder ${mib(w.peakTreeRssBytes)})`}`,
    )
    .join("; ");
}

function stackFigures(run: FleetMeasurement): string {
  return STACK_SERVICES.map((s) => `${s} ${mib(run.stack[s]?.startRssBytes)} → peak ${mib(run.stack[s]?.peakRssBytes)}`).join(", ");
}

export async function summarizeScaling(
  ctx: BenchContext,
  options: ScalingOptions,
  pair: Part<PairPart>,
  fleets: Part<FleetMeasurement[]>,
  rebalance: Part<RebalancePart>,
): Promise<BenchmarkOutcome> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const charts: Chart[] = [];

  if (pair.ok) {
    const [before, two, after] = pair.value.runs as [FleetMeasurement, FleetMeasurement, FleetMeasurement];
    rows.push(
      pairRow(
        `PocketSphinx, 2 \`worker asr\` processes vs 1 (one slot each, ${pair.value.partitions} partitions): audio seconds per second, first AudioSegment produced → last SegmentTranscribed, ${(pair.value.audioSeconds / 60).toFixed(1)} min of recorded speech`,
        before,
        two,
        after,
        PAIR_GOAL,
      ),
    );
    const cpu = (r: FleetMeasurement) => r.workers.reduce((sum, w) => sum + w.cpuSeconds + w.decoderCpuSeconds, 0);
    const peak = (r: FleetMeasurement) => Math.max(...r.workers.map((w) => w.peakTreeRssBytes ?? Number.NaN));
    const kafka = (r: FleetMeasurement) => r.stack.kafka?.peakRssBytes ?? Number.NaN;
    rows.push(
      {
        what: "PocketSphinx: CPU seconds of all worker processes and their decoders over the span, 2 processes vs 1 (the first 1-process run)",
        baseline: { label: "1 process", value: cpu(before), unit: "s" },
        subject: { label: "2 processes", value: cpu(two), unit: "s" },
        ratio: ratio(cpu(two), cpu(before)),
      },
      {
        what: "PocketSphinx: peak RSS of a worker process with its decoder (the largest), 2 processes vs 1 (the first 1-process run)",
        baseline: { label: "1 process", value: peak(before), unit: "B" },
        subject: { label: "2 processes", value: peak(two), unit: "B" },
        ratio: ratio(peak(two), peak(before)),
      },
      {
        what: "PocketSphinx: Kafka broker's peak RSS during the run, 2 processes vs 1 (registry and S3 server in the notes)",
        baseline: { label: "1 process", value: kafka(before), unit: "B" },
        subject: { label: "2 processes", value: kafka(two), unit: "B" },
        ratio: ratio(kafka(two), kafka(before)),
      },
    );
    notes.push(
      `Real engine: ${pair.value.speech.source}, ${(pair.value.speech.seconds / 60).toFixed(1)} min, cut once by the segmenter's segmentMedia (default cut options) into ${pair.value.cut} segments whose WAVs were stored in S3 once, of which ${pair.value.segments} (${pair.value.audioSeconds.toFixed(0)} s) are used, an even count: the round-robin assignor gives each of two processes every other partition, so each gets exactly half; each run gets fresh topics (${pair.value.partitions} partitions, the default of asr.segments in infra/topics/topics.json) and the same AudioSegment events, segment i on partition i mod ${pair.value.partitions}. ` +
        "Each process is `node cli/src/main.ts worker asr` (LINGOSTREAM_ASR_ENGINE=pocketsphinx, LINGOSTREAM_ASR_MAX_IN_FLIGHT=1) on the run's group; the processes start first and the segments are produced once the group is stable with all of them, so the span, from the first AudioSegment's eventTime to the last SegmentTranscribed's, leaves out start-up and the group join. " +
        "Runs in order: 1 process, 2, 1 again; the baseline is the clip over the mean span of the two 1-process runs, so load drift over the run cancels.",
      ...pair.value.runs.map(
        (r, i) =>
          `Run ${i + 1} (${r.processes} process${r.processes > 1 ? "es" : ""}): ${spanSeconds(r).toFixed(1)} s, joined in ${r.joinSeconds.toFixed(1)} s, load ${r.load.join(" → ")}; ${workerFigures(r)}; stack servers' RSS at the start → peak (Kafka, registry, S3): ${stackFigures(r)}.`,
      ),
    );
  } else {
    rows.push({
      what: "PocketSphinx, 2 `worker asr` processes vs 1: audio seconds per second",
      subject: { label: "failed", value: Number.NaN, unit: "audio s/s" },
      goal: `≥ ${PAIR_GOAL}`,
      met: false,
    });
    notes.push(`The PocketSphinx runs failed: ${pair.error}`);
  }

  if (fleets.ok) {
    const runs = fleets.value;
    rows.push(...fleetRows(runs, options.partitions, IDEAL_SHARE, FLAT_TOLERANCE));
    notes.push(
      `Simulation: the deterministic engine with LINGOSTREAM_ASR_DETERMINISTIC_DELAY_MS=${options.delayMs} (a 30 s segment costs a ${((30 * options.delayMs) / 1000).toFixed(1)} s sleep, not CPU, so more processes than cores can each go at full speed), one slot per process, on ${options.partitions} partitions` +
        `${options.partitions === 12 ? "" : " (not the default 12: fewer, so that N past the partition count is reached within the process counts that fit on the machine)"}; ` +
        `process counts ${options.processCounts.join(", ")}; each run gets the work of ${options.secondsPerRun} s for one process times its ideal speed-up, a whole number of segments per partition, spread round-robin, so all partitions finish together. ` +
        `Ideal speed-up at N = partitions / ceil(partitions / min(N, partitions)) (a partition is read by one member; here min(N, partitions)); goal ${IDEAL_SHARE} × ideal; N past the partitions counts as no faster up to ${1 + FLAT_TOLERANCE} × N = partitions.`,
      ...runs.map(
        (r) =>
          `${r.processes} process(es): ${r.segments} segments in ${spanSeconds(r).toFixed(1)} s = ${segmentsPerSecond(r).toFixed(2)} segments/s; joined in ${r.joinSeconds.toFixed(1)} s; load ${r.load.join(" → ")}; CPU of all processes over the span ${r.workers.reduce((s, w) => s + w.cpuSeconds, 0).toFixed(1)} s; largest worker peak RSS ${mib(Math.max(...r.workers.map((w) => w.peakRssBytes)))}; stack servers: ${stackFigures(r)}.`,
      ),
    );
    const chartFile = "scaling.svg";
    const one = runs.find((r) => r.processes === 1);
    if (one) {
      await writeFile(
        join(ctx.resultsDir, chartFile),
        await renderLineChart({
          title: `Deterministic engine: throughput by processes, ${options.partitions} partitions`,
          xLabel: "worker processes (one slot each)",
          yLabel: "segments per second",
          series: [
            { name: "measured", points: runs.map((r) => [r.processes, segmentsPerSecond(r)] as const) },
            { name: "ideal (whole partitions per process)", points: runs.map((r) => [r.processes, segmentsPerSecond(one) * idealSpeedup(r.processes, options.partitions)] as const) },
          ],
        }),
      );
      charts.push({ file: chartFile, title: "throughput by worker processes against the ideal" });
    }
  } else {
    rows.push({
      what: `deterministic engine, N processes vs 1 on ${options.partitions} partitions`,
      subject: { label: "failed", value: Number.NaN, unit: "segments/s" },
      goal: `≥ ${IDEAL_SHARE} × ideal`,
      met: false,
    });
    notes.push(`The simulated fleets failed: ${fleets.error}`);
  }

  if (rebalance.ok) {
    const r = rebalance.value;
    rows.push(
      ...pauseRows(
        r.pauses,
        (e) =>
          `rebalance, ${e.kind === "join" ? `a process joins ${e.membersBefore} consuming` : `one of ${e.membersBefore} leaves (SIGTERM, drained)`}: largest gap between SegmentTranscribed events from the ${e.kind === "join" ? "start" : "SIGTERM"} to ${AFTER_SETTLED_MS / 1000} s after the group is stable again vs the median gap of ${Math.min(e.membersBefore, e.membersAfter)} process(es) over ${options.steadySeconds} s ${e.kind === "join" ? "before" : "after"}`,
      ),
    );
    notes.push(
      `Rebalance: ${r.processes} process(es) of the deterministic engine (same settings, one slot each; segments of ${REBALANCE_SEGMENT_SECONDS.join(", ")} s in turn, so the processes do not finish in step) on ${r.partitions} partitions consume a backlog of ${r.segments} segments; after ${options.steadySeconds} s of results one more process is started, and ${options.steadySeconds} s after the group is stable with it the first process gets SIGTERM; ${AFTER_SETTLED_MS / 1000 + options.steadySeconds} s after the group is stable again, all stop. ` +
        `Stability is polled with describeGroups every 250 ms. Each event is compared with the steady stretch of the smaller membership (${r.processes} process(es): before the join, after the leave), whose normal gaps are the longer. ${r.pauses
          .map(
            (p) =>
              `${p.event.kind}: group stable again ${((p.event.settledMs - p.event.atMs) / 1000).toFixed(1)} s after the ${p.event.kind === "join" ? "start" : "SIGTERM"}; largest gap ${((p.gap?.ms ?? Number.NaN) / 1000).toFixed(2)} s, from ${(((p.gap?.fromMs ?? Number.NaN) - p.event.atMs) / 1000).toFixed(1)} to ${(((p.gap?.toMs ?? Number.NaN) - p.event.atMs) / 1000).toFixed(1)} s after it; steady stretch: median gap ${(p.steadyGapMs / 1000).toFixed(2)} s, largest ${(p.steadyLargestGapMs / 1000).toFixed(2)} s`,
          )
          .join("; ")}. The leaving process drained in ${r.drainSeconds.toFixed(1)} s. Segments transcribed more than once across both changes: ${r.repeats.repeated} (${r.repeats.extra} extra results).`,
    );
    const chartFile = "scaling-rebalance.svg";
    await writeFile(
      join(ctx.resultsDir, chartFile),
      await renderLineChart({
        title: `Gap before each result: ${r.processes} processes, one joins at ${((r.events[0]!.atMs - r.startMs) / 1000).toFixed(0)} s, one leaves at ${((r.events[1]!.atMs - r.startMs) / 1000).toFixed(0)} s`,
        xLabel: "seconds since the backlog was produced",
        yLabel: "seconds since the previous result",
        series: [{ name: "gap", points: r.results.slice(1).map((t, i) => [(t - r.startMs) / 1000, (t - r.results[i]!) / 1000] as const) }],
      }),
    );
    charts.push({ file: chartFile, title: "gaps between results as a process joins and one leaves" });
  } else {
    rows.push({ what: "rebalance pause, join and leave", subject: { label: "failed", value: Number.NaN, unit: "s" } });
    notes.push(`The rebalance run failed: ${rebalance.error}`);
  }

  return {
    rows,
    notes,
    details: {
      options,
      pair: pair.ok ? pair.value : pair,
      fleets: fleets.ok ? fleets.value : fleets,
      rebalance: rebalance.ok ? { ...rebalance.value, results: undefined, resultCount: rebalance.value.results.length } : rebalance,
    },
    charts,
  };
}
