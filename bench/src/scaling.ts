// scaling: `lingostream worker asr` processes on one consumer group, as a user
// scales the ASR stage out. Three measurements in one run: PocketSphinx on real
// speech with 1, then 2, then 1 process (the 2 against the mean of the 1s
// around it); the deterministic engine, whose cost is a sleep, with N = 1 ... 16
// processes against a stated partition count, to show scaling up to the
// partitions and none past them; and the pause in results while a process
// joins the group and while one leaves it (SIGTERM drain).

import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connectionSpec, createLogger, createServiceContext, loadConfig, loadTopicSpecs, type ServiceContext } from "@lingostream/runtime";
import { createStackContext, type StackContext } from "@lingostream/testkit";
import { readPipelineTimes } from "./fixtures/event-times.ts";
import { type AudioObject, deleteObjects, segmentAudioPrefix, uploadSegmentAudio } from "./fixtures/events.ts";
import { countRepeats, scanSegmentEvents, topicEventCount } from "./fixtures/results-scan.ts";
import { renderLineChart } from "./line-chart.ts";
import { loadAverage } from "./machine.ts";
import { type BenchContext, type Benchmark, type BenchmarkOutcome, type Chart, type Row, ratio } from "./report.ts";
import { RssSampler, type RssStats, type SampledProcess } from "./rss-sampler.ts";
import {
  type EventPause,
  eventPauses,
  type FleetRun,
  fleetRows,
  fleetSegments,
  type GroupEvent,
  idealSpeedup,
  pairRow,
  pauseRows,
  segmentsPerSecond,
  spanSeconds,
} from "./scaling-figures.ts";
import { runInterruptible } from "./scaling-interrupt.ts";
import { ensureSpeech, produceSegmentsEvenly, type Speech, storeSegments, storeSyntheticAudio } from "./scaling-seed.ts";
import { AsrWorkerFleet, killAllWorkersNow, until } from "./scaling-workers.ts";
import { findStackProcesses, STACK_SERVICES } from "./stack-processes.ts";
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

export const SCALING_FULL: ScalingOptions = {
  speechSeconds: 1200,
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
const AFTER_SETTLED_MS = 5000;
/** Distinct synthetic 30 s objects the deterministic runs' segments cycle through. */
const SYNTHETIC_OBJECTS = 8;

export const scalingBenchmark: Benchmark = {
  name: "scaling",
  title: "ASR worker processes on one group: PocketSphinx 2 vs 1 process on real speech; the deterministic engine at N = 1 ... 16 against the partition count; the pause in results as a process joins or leaves",
  run: (ctx) => runInterruptible((signal) => runScaling(ctx, ctx.quick ? SCALING_QUICK : SCALING_FULL, signal), killAllWorkersNow, ctx.log),
};

/** What one run of a fleet measured. */
interface FleetMeasurement extends FleetRun {
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

interface FleetSpec {
  name: string;
  processes: number;
  partitions: number;
  engine: "pocketsphinx" | "deterministic";
  audio: readonly AudioObject[];
  jobId: string;
  segments: number;
  audioSeconds: number;
  /** Sample every process's RSS with its descendants (cheap at 2 processes, not at 16). */
  withChildren: boolean;
}

/**
 * Fresh topics for one run, their schemas registered before any worker starts:
 * many processes registering the same new subject at once can fail on the
 * registry (Apicurio answers "A rule named 'COMPATIBILITY' already exists" to
 * the losers), which a deployment avoids by registering once up front.
 */
async function runTopics(name: string, partitions: number): Promise<StackContext> {
  const stack = await createStackContext(name, { partitions });
  try {
    for (const key of ["segments", "results", "segmentsFailed"] as const) await stack.ctx.serde.register(key);
    return stack;
  } catch (err) {
    await stack.cleanup();
    throw err;
  }
}

function workerEnv(stack: StackContext, engine: string, delayMs: number): NodeJS.ProcessEnv {
  return {
    ...stack.env,
    LINGOSTREAM_ASR_ENGINE: engine,
    LINGOSTREAM_ASR_MAX_IN_FLIGHT: "1",
    LINGOSTREAM_ASR_DETERMINISTIC_DELAY_MS: String(delayMs),
    LOG_LEVEL: "warn",
  };
}

/** A context on the shared bucket only, for audio the runs of a part share. */
function storeContext(): ServiceContext {
  return createServiceContext(loadConfig(connectionSpec, process.env), createLogger({ level: process.env.BENCH_LOG_LEVEL ?? "warn", name: "bench-scaling" }), {
    role: "bench-scaling",
  });
}

/** Group joins are slower the more processes start at once on few cores. */
function joinTimeoutMs(processes: number): number {
  return 120_000 + processes * 15_000;
}

/**
 * N processes joined and idle on fresh topics, then the segments produced:
 * timed from the first AudioSegment produced to the last SegmentTranscribed,
 * by the events' own times, so neither start-up nor the group join counts.
 */
async function runFleet(ctx: BenchContext, spec: FleetSpec, delayMs: number, signal: AbortSignal): Promise<FleetMeasurement> {
  const stack = await runTopics(`bench-scaling-${spec.name}`, spec.partitions);
  const fleet = new AsrWorkerFleet(workerEnv(stack, spec.engine, delayMs), signal);
  const admin = stack.ctx.kafka.admin();
  let sampler: RssSampler | undefined;
  try {
    await admin.connect();
    const load = [loadAverage()[0] ?? 0];
    const spawned = Date.now();
    const workers = fleet.start(spec.processes);
    await fleet.waitForGroup(admin, stack.env.LINGOSTREAM_ASR_GROUP!, spec.processes, joinTimeoutMs(spec.processes));
    const joinSeconds = (Date.now() - spawned) / 1000;
    const servers = await findStackProcesses();
    const targets: SampledProcess[] = [
      ...workers.map((w) => ({ name: `worker-${w.id}`, pid: w.pid, withChildren: spec.withChildren })),
      ...STACK_SERVICES.flatMap((s) => (servers.pids[s] === undefined ? [] : [{ name: s, pid: servers.pids[s] }])),
    ];
    sampler = new RssSampler(targets, spec.withChildren ? 250 : 1000);
    await sampler.start();
    const cpuBefore = await fleet.cpuSeconds();
    await produceSegmentsEvenly(stack.ctx, spec.jobId, spec.audio, spec.segments, spec.engine, spec.partitions);
    const settled = () => Promise.all([topicEventCount(admin, stack.ctx.topics.results), topicEventCount(admin, stack.ctx.topics.segmentsFailed)]);
    await until(
      async () => {
        fleet.assertAlive();
        const [results, failed] = await settled();
        return results + failed >= spec.segments;
      },
      `${spec.segments} results from ${spec.processes} process(es)`,
      120_000 + spec.audioSeconds * 1000,
      signal,
      500,
    );
    const cpuAfter = await fleet.cpuSeconds();
    const rss = await sampler.stop();
    sampler = undefined;
    load.push(loadAverage()[0] ?? 0);
    const [, deadLetters] = await settled();
    // A dead-lettered segment skipped the work being timed: the run would flatter the fleet.
    if (deadLetters > 0) throw new Error(`${deadLetters} of ${spec.segments} segments were dead-lettered in the ${spec.name} run; its workers' last lines: ${workers.flatMap((w) => w.tail.slice(-2)).join(" | ")}`);
    const times = await readPipelineTimes(stack.ctx);
    const measured: FleetMeasurement = {
      processes: spec.processes,
      partitions: spec.partitions,
      segments: spec.segments,
      audioSeconds: spec.audioSeconds,
      firstProducedMs: times.segments[0] ?? Number.NaN,
      lastResultMs: times.results.at(-1) ?? Number.NaN,
      deadLetters,
      joinSeconds,
      workers: workers.map((w) => {
        const before = cpuBefore.get(w.id);
        const after = cpuAfter.get(w.id);
        const own = rss[`worker-${w.id}`];
        return {
          id: w.id,
          cpuSeconds: (after?.worker ?? Number.NaN) - (before?.worker ?? Number.NaN),
          decoderCpuSeconds: (after?.children ?? Number.NaN) - (before?.children ?? Number.NaN),
          peakRssBytes: own?.peakRssBytes ?? Number.NaN,
          ...(spec.withChildren ? { peakTreeRssBytes: own?.peakTreeRssBytes ?? Number.NaN } : {}),
        };
      }),
      stack: Object.fromEntries(STACK_SERVICES.flatMap((s) => (rss[s] ? [[s, { startRssBytes: rss[s].startRssBytes, peakRssBytes: rss[s].peakRssBytes }]] : []))),
      load,
    };
    ctx.log(
      `${spec.name}: ${spec.processes} process(es) joined in ${joinSeconds.toFixed(1)} s; ${spec.segments} segments in ${spanSeconds(measured).toFixed(1)} s = ${segmentsPerSecond(measured).toFixed(2)} segments/s (load ${load.join(" → ")})`,
    );
    return measured;
  } finally {
    await sampler?.stop();
    await fleet.stopAll();
    await admin.disconnect().catch(() => {});
    await stack.cleanup();
  }
}

interface PairPart {
  speech: Speech;
  /** Segments the speech was cut into, and those used (an even count). */
  cut: number;
  segments: number;
  audioSeconds: number;
  partitions: number;
  runs: FleetMeasurement[];
}

/** PocketSphinx on the same segments with 1, 2, then 1 process. */
async function measurePair(ctx: BenchContext, options: ScalingOptions, signal: AbortSignal): Promise<PairPart> {
  const speech = await ensureSpeech(ctx.cacheDir, options.speechSeconds);
  const partitions = (await loadTopicSpecs()).find((t) => t.key === "segments")?.partitions ?? 12;
  const store = storeContext();
  const jobId = `scaling-speech-${randomBytes(3).toString("hex")}`;
  try {
    await store.store.ensureBucket();
    const t = performance.now();
    const cut = await storeSegments(store, jobId, speech, signal);
    // An even count: the round-robin assignor gives each of two members every other partition, so each gets exactly half the segments.
    const stored = cut.slice(0, cut.length - (cut.length % 2));
    const audioSeconds = stored.reduce((sum, s) => sum + s.seconds, 0);
    ctx.log(`speech: ${(speech.seconds / 60).toFixed(1)} min (${speech.source}); ${cut.length} segments cut and stored in ${((performance.now() - t) / 1000).toFixed(1)} s, ${stored.length} used`);
    const runs: FleetMeasurement[] = [];
    for (const [i, processes] of [1, 2, 1].entries()) {
      signal.throwIfAborted();
      const spec: FleetSpec = {
        name: `pocketsphinx-${processes}p-${i + 1}`,
        processes,
        partitions,
        engine: "pocketsphinx",
        audio: stored.map((s) => s.audio),
        jobId,
        segments: stored.length,
        audioSeconds,
        withChildren: true,
      };
      runs.push(await runFleet(ctx, spec, 0, signal));
    }
    return { speech, cut: cut.length, segments: stored.length, audioSeconds, partitions, runs };
  } finally {
    await deleteObjects(store.store, [segmentAudioPrefix(jobId)]);
    store.store.close();
  }
}

/** The deterministic engine at each process count in turn. */
async function measureFleets(ctx: BenchContext, options: ScalingOptions, signal: AbortSignal): Promise<FleetMeasurement[]> {
  const store = storeContext();
  const jobId = `scaling-sim-${randomBytes(3).toString("hex")}`;
  try {
    const audio = await uploadSegmentAudio(store, jobId, SYNTHETIC_OBJECTS);
    const runs: FleetMeasurement[] = [];
    for (const processes of options.processCounts) {
      signal.throwIfAborted();
      const segments = fleetSegments(processes, options);
      const spec: FleetSpec = {
        name: `deterministic-${processes}p`,
        processes,
        partitions: options.partitions,
        engine: "deterministic",
        audio,
        jobId,
        segments,
        audioSeconds: segments * 30,
        withChildren: false,
      };
      runs.push(await runFleet(ctx, spec, options.delayMs, signal));
    }
    return runs;
  } finally {
    await deleteObjects(store.store, [segmentAudioPrefix(jobId)]);
    store.store.close();
  }
}

interface RebalancePart {
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
const REBALANCE_SEGMENT_SECONDS = [20, 25, 30, 35, 40];

/** N processes consuming a backlog; one more joins, later one of the first leaves; result times read back afterwards. */
async function measureRebalance(ctx: BenchContext, options: ScalingOptions, signal: AbortSignal): Promise<RebalancePart> {
  const processes = options.rebalanceProcesses;
  const partitions = options.partitions;
  const steadyMs = options.steadySeconds * 1000;
  // Enough backlog for N + 1 processes over every phase (three steady stretches, two group changes) with room to spare.
  const segmentSeconds = (30 * options.delayMs) / 1000;
  const segments = Math.ceil(((idealSpeedup(processes + 1, partitions) / segmentSeconds) * (3 * options.steadySeconds + 120)) / partitions) * partitions;
  const stack = await runTopics("bench-scaling-rebalance", partitions);
  const fleet = new AsrWorkerFleet(workerEnv(stack, "deterministic", options.delayMs), signal);
  const admin = stack.ctx.kafka.admin();
  const groupId = stack.env.LINGOSTREAM_ASR_GROUP!;
  const jobId = `scaling-rebalance-${randomBytes(3).toString("hex")}`;
  const pause = async (ms: number) => {
    const end = Date.now() + ms;
    await until(
      () => {
        fleet.assertAlive();
        return Date.now() >= end;
      },
      "the steady stretch",
      ms + 10_000,
      signal,
    );
  };
  try {
    await admin.connect();
    const audio = await storeSyntheticAudio(stack.ctx, jobId, REBALANCE_SEGMENT_SECONDS);
    const [first] = fleet.start(processes);
    await fleet.waitForGroup(admin, groupId, processes, joinTimeoutMs(processes));
    const startMs = Date.now();
    await produceSegmentsEvenly(stack.ctx, jobId, audio, segments, "deterministic", partitions);
    await until(async () => (await topicEventCount(admin, stack.ctx.topics.results)) > 0, "the first result", 60_000, signal);
    await pause(steadyMs);

    const events: GroupEvent[] = [];
    const joinAt = Date.now();
    fleet.start(1);
    await fleet.waitForGroup(admin, groupId, processes + 1, joinTimeoutMs(1));
    const joined = Date.now();
    events.push({ kind: "join", atMs: joinAt, settledMs: joined, membersBefore: processes, membersAfter: processes + 1, steadyFromMs: joinAt - steadyMs, steadyToMs: joinAt });
    ctx.log(`rebalance: a process joined; group stable with ${processes + 1} after ${((joined - joinAt) / 1000).toFixed(1)} s`);
    await pause(steadyMs);

    const leaveAt = Date.now();
    await fleet.stop(first!);
    const drainSeconds = ((first!.exitedMs ?? Date.now()) - leaveAt) / 1000;
    await fleet.waitForGroup(admin, groupId, processes, joinTimeoutMs(0));
    const left = Date.now();
    // The leave is compared with the N processes that remain, after the window its pause is looked for in.
    const steadyFromMs = left + AFTER_SETTLED_MS;
    events.push({ kind: "leave", atMs: leaveAt, settledMs: left, membersBefore: processes + 1, membersAfter: processes, steadyFromMs, steadyToMs: steadyFromMs + steadyMs });
    ctx.log(`rebalance: a process left (SIGTERM, drained in ${drainSeconds.toFixed(1)} s); group stable with ${processes} after ${((left - leaveAt) / 1000).toFixed(1)} s`);
    await pause(AFTER_SETTLED_MS + steadyMs);

    await fleet.stopAll();
    const results = (await readPipelineTimes(stack.ctx)).results;
    if (results.length >= segments) throw new Error(`the backlog of ${segments} segments ran out before the last steady stretch ended: the gaps would count the end of the work`);
    const repeats = countRepeats((await scanSegmentEvents(stack.ctx)).perSegment);
    const pauses = eventPauses(results, events, AFTER_SETTLED_MS);
    for (const p of pauses) {
      ctx.log(
        `rebalance ${p.event.kind}: largest gap ${((p.gap?.ms ?? Number.NaN) / 1000).toFixed(2)} s; steady ${p.event.membersAfter < p.event.membersBefore ? "after" : "before"}: median gap ${(p.steadyGapMs / 1000).toFixed(2)} s, largest ${(p.steadyLargestGapMs / 1000).toFixed(2)} s`,
      );
    }
    return { processes, partitions, segments, events, drainSeconds, results, startMs, repeats, pauses };
  } finally {
    await fleet.stopAll();
    await admin.disconnect().catch(() => {});
    await deleteObjects(stack.ctx.store, [segmentAudioPrefix(jobId)]);
    await stack.cleanup();
  }
}

type Part<T> = { ok: true; value: T } | { ok: false; error: string };

/** A part that fails is reported and the others still run; an interruption ends the whole run. */
async function part<T>(ctx: BenchContext, name: string, signal: AbortSignal, run: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    if (signal.aborted) throw err;
    const error = err instanceof Error ? err.message : String(err);
    ctx.log(`${name} FAILED: ${error}`);
    return { ok: false, error };
  }
}

export async function runScaling(ctx: BenchContext, options: ScalingOptions, signal: AbortSignal): Promise<BenchmarkOutcome> {
  const pair = await part(ctx, "PocketSphinx 1-2-1 processes", signal, () => measurePair(ctx, options, signal));
  const fleets = await part(ctx, "deterministic fleets", signal, () => measureFleets(ctx, options, signal));
  const rebalance = await part(ctx, "rebalance pause", signal, () => measureRebalance(ctx, options, signal));
  return summarize(ctx, options, pair, fleets, rebalance);
}

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

async function summarize(
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
      pair: pair.ok ? { ...pair.value, runs: pair.value.runs } : pair,
      fleets: fleets.ok ? fleets.value : fleets,
      rebalance: rebalance.ok ? { ...rebalance.value, results: undefined, resultCount: rebalance.value.results.length } : rebalance,
    },
    charts,
  };
}
