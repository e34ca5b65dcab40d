// scaling: `lingostream worker asr` processes on one consumer group, as a user
// scales the ASR stage out. Three measurements in one run: PocketSphinx on real
// speech with 1, then 2, then 1 process (the 2 against the mean of the 1s
// around it); the deterministic engine, whose cost is a sleep, with N = 1 ... 16
// processes against a stated partition count, to show scaling up to the
// partitions and none past them; and the pause in results while a process
// joins the group and while one leaves it (SIGTERM drain).

import { randomBytes } from "node:crypto";
import { connectionSpec, createLogger, createServiceContext, errorMessage, loadConfig, loadTopicSpecs, type ServiceContext } from "@lingostream/runtime";
import { createStackContext, type StackContext } from "@lingostream/testkit";
import { readPipelineTimes } from "./fixtures/event-times.ts";
import { type AudioObject, deleteObjects, segmentAudioPrefix, uploadSegmentAudio } from "./fixtures/events.ts";
import { countRepeats, scanSegmentEvents, topicEventCount } from "./fixtures/results-scan.ts";
import { loadAverage } from "./machine.ts";
import type { BenchContext, Benchmark, BenchmarkOutcome } from "./report.ts";
import { RssSampler, type SampledProcess } from "./rss-sampler.ts";
import { eventPauses, fleetSegments, type GroupEvent, idealSpeedup, segmentsPerSecond, spanSeconds } from "./scaling-figures.ts";
import { runInterruptible } from "./scaling-interrupt.ts";
import {
  AFTER_SETTLED_MS,
  type FleetMeasurement,
  type PairPart,
  type Part,
  REBALANCE_SEGMENT_SECONDS,
  type RebalancePart,
  SCALING_FULL,
  SCALING_QUICK,
  type ScalingOptions,
  summarizeScaling,
} from "./scaling-report.ts";
import { ensureSpeech, produceSegmentsEvenly, storeSegments, storeSyntheticAudio } from "./scaling-seed.ts";
import { AsrWorkerFleet, killAllWorkersNow, until } from "./scaling-workers.ts";
import { findStackProcesses, STACK_SERVICES } from "./stack-processes.ts";

/** Distinct synthetic 30 s objects the deterministic runs' segments cycle through. */
const SYNTHETIC_OBJECTS = 8;

export const scalingBenchmark: Benchmark = {
  name: "scaling",
  title: "ASR worker processes on one group: PocketSphinx 2 vs 1 process on real speech; the deterministic engine at N = 1 ... 16 against the partition count; the pause in results as a process joins or leaves",
  run: (ctx) => runInterruptible((signal) => runScaling(ctx, ctx.quick ? SCALING_QUICK : SCALING_FULL, signal), killAllWorkersNow, ctx.log),
};

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
  // Fresh topics; the workers register their schemas as they start, all at once, as a fleet does.
  const stack = await createStackContext(`bench-scaling-${spec.name}`, { partitions: spec.partitions });
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
    await deleteObjects(store.store, [segmentAudioPrefix(jobId)]).finally(() => store.store.close());
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
    await deleteObjects(store.store, [segmentAudioPrefix(jobId)]).finally(() => store.store.close());
  }
}

/** N processes consuming a backlog; one more joins, later one of the first leaves; result times read back afterwards. */
async function measureRebalance(ctx: BenchContext, options: ScalingOptions, signal: AbortSignal): Promise<RebalancePart> {
  const processes = options.rebalanceProcesses;
  const partitions = options.partitions;
  const steadyMs = options.steadySeconds * 1000;
  // Enough backlog for N + 1 processes over every phase (three steady stretches, two group changes) with room to spare.
  const segmentSeconds = (30 * options.delayMs) / 1000;
  const segments = Math.ceil(((idealSpeedup(processes + 1, partitions) / segmentSeconds) * (3 * options.steadySeconds + 120)) / partitions) * partitions;
  const stack = await createStackContext("bench-scaling-rebalance", { partitions });
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
    // The topics go even if the objects could not be deleted.
    await deleteObjects(stack.ctx.store, [segmentAudioPrefix(jobId)]).finally(() => stack.cleanup());
  }
}

/** A part that fails is reported and the others still run; an interruption ends the whole run. */
async function part<T>(ctx: BenchContext, name: string, signal: AbortSignal, run: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    if (signal.aborted) throw err;
    const error = errorMessage(err);
    ctx.log(`${name} FAILED: ${error}`);
    return { ok: false, error };
  }
}

export async function runScaling(ctx: BenchContext, options: ScalingOptions, signal: AbortSignal): Promise<BenchmarkOutcome> {
  const pair = await part(ctx, "PocketSphinx 1-2-1 processes", signal, () => measurePair(ctx, options, signal));
  const fleets = await part(ctx, "deterministic fleets", signal, () => measureFleets(ctx, options, signal));
  const rebalance = await part(ctx, "rebalance pause", signal, () => measureRebalance(ctx, options, signal));
  return summarizeScaling(ctx, options, pair, fleets, rebalance);
}

