// Memory backpressure figures for the closing note of issue 4 (a benchmark, not
// a test): pressure event → ASR consumer paused (p50/p99), threshold-crossing
// sample → paused in sampling intervals, the CPU cost of sampling, and a
// processor's peak RSS at MODERATE vs LOW on the same load. Runs on the local
// stack with topics of its own, removed afterwards:
//   node bench/backpressure-latency.ts            (writes bench/results/backpressure-latency.json)
// BENCH_QUICK=1 runs fewer trials. run() is exported for the bench runner
// (bench/src/backpressure.ts); its result carries rows and notes in that runner's shape.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, hostname, platform, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  applyTopics,
  classify,
  computeUsage,
  connectionSpec,
  createLogger,
  createMetricsRegistry,
  createServiceContext,
  defaultThresholds,
  deleteTopicsWithPrefix,
  encodeWav,
  governorBackpressure,
  HandleRegistry,
  loadConfig,
  loadMemoryConfig,
  loadTopicSpecs,
  MemorySampler,
  PressureGovernor,
  startLocalSampling,
  startPressureSubscriber,
  type MemorySample,
  type PressureLevel,
  type PressureThresholds,
  type ServiceContext,
} from "@lingostream/runtime";
import { asrSpec, createEngine, startAsrProcessor, type AsrProcessor, type EngineFactory } from "@lingostream/asr";
import { startPressureMonitor } from "@lingostream/pressure-monitor";
import type { AudioSegment, MemoryPressure } from "@lingostream/schemas";

const MiB = 1024 ** 2;
const SAMPLE_RATE = 16_000;
const HERE = dirname(fileURLToPath(import.meta.url));

export interface BackpressureBenchOptions {
  /** Fewer trials and a smaller load (default: BENCH_QUICK=1). */
  quick?: boolean;
  /** Trials of pressure event → paused (default 200). */
  eventTrials?: number;
  /** Threshold-crossing trials per sampling interval (default 2000 ms × 6, 200 ms × 15). */
  crossing?: { intervalMs: number; trials: number }[];
  /** Back-to-back samples timed for the per-sample CPU cost (default 2000). */
  cpuSamples?: number;
  /** How long the real monitor runs for the per-tick CPU cost, ms (default 10 000). */
  monitorRunMs?: number;
  /** Segments in each RSS run (default 40 of 8 MiB). */
  rssSegments?: number;
  /** Where to write the JSON; null writes nothing (default bench/results/backpressure-latency.json). */
  out?: string | null;
  log?: (line: string) => void;
}

export interface Distribution {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** A headline figure, shaped like the bench runner's Row. */
export interface BenchRow {
  what: string;
  baseline?: { label: string; value: number; unit: string };
  subject: { label: string; value: number; unit: string };
  ratio?: number;
  goal?: string;
  met?: boolean;
}

export interface BackpressureBenchResult {
  benchmark: "backpressure-latency";
  rows: BenchRow[];
  notes: string[];
  startedAt: string;
  machine: { cpuModel: string; cpus: number; totalMemoryBytes: number; node: string; platform: string; release: string };
  eventToPause: { unit: "ms"; goalP99: number; pause: Distribution; resume: Distribution; sendAck: Distribution; note: string };
  crossingToPause: {
    unit: "sampling intervals";
    goal: number;
    runs: { intervalMs: number; mode: "topic-only" | "as-deployed"; fromThresholdCrossed: Distribution; fromCrossingSample: Distribution; crossingSampleToPauseMs: Distribution }[];
    note: string;
  };
  samplingCpu: {
    goalPercentOfOneCore: number;
    perSampleCpuUs: number;
    perSampleWallUs: number;
    percentOfOneCoreAt2s: number;
    monitorTickCpuUs: number;
    monitorPercentOfOneCoreAt2s: number;
    note: string;
  };
  rssModerateVsLow: {
    load: { segments: number; segmentBytes: number; maxInFlight: number; engine: string };
    runs: RssRun[];
    meanPeakRssBytes: { LOW: number; MODERATE: number };
    meanPeakAboveBaselineBytes: { LOW: number; MODERATE: number };
  };
}

interface RssRun {
  mode: "LOW" | "MODERATE";
  level: string;
  maxInFlightAllowed: number;
  baselineRssBytes: number;
  peakRssBytes: number;
  kernelMaxRssBytes: number;
  durationMs: number;
  settled: number;
}

/** Nearest-rank percentiles. */
export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    n: sorted.length,
    p50: round(at(50)),
    p90: round(at(90)),
    p99: round(at(99)),
    max: round(sorted.at(-1) ?? Number.NaN),
    mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
  };
}

export async function run(options: BackpressureBenchOptions = {}): Promise<BackpressureBenchResult> {
  const quick = options.quick ?? process.env.BENCH_QUICK === "1";
  const log = options.log ?? ((line: string) => console.log(line));
  const eventTrials = options.eventTrials ?? (quick ? 40 : 200);
  const crossing = options.crossing ?? (quick ? [{ intervalMs: 200, trials: 5 }] : [
    { intervalMs: 2000, trials: 6 },
    { intervalMs: 200, trials: 15 },
  ]);
  const startedAt = new Date().toISOString();
  const machine = {
    cpuModel: cpus()[0]?.model ?? "unknown",
    cpus: cpus().length,
    totalMemoryBytes: totalmem(),
    node: process.version,
    platform: platform(),
    release: release(),
  };
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${(machine.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB, node ${machine.node}`);
  // Each part on topics of its own, so no part consumes another's backlog.
  const eventToPause = await withStack((stack) => benchEventToPause(stack, eventTrials, log));
  const crossingRuns = [];
  for (const { intervalMs, trials } of crossing) {
    for (const mode of ["topic-only", "as-deployed"] as const) {
      crossingRuns.push(await withStack((stack) => benchCrossingToPause(stack, intervalMs, trials, mode, log)));
    }
  }
  const samplingCpu = await withStack((stack) => benchSamplingCpu(stack, options.cpuSamples ?? (quick ? 500 : 2000), options.monitorRunMs ?? (quick ? 3000 : 10_000), log));
  const rssModerateVsLow = await withStack((stack) => benchRss(stack, options.rssSegments ?? (quick ? 16 : 40), log));
  const crossingNote =
    "fromThresholdCrossed: (pause time - the moment this process's RSS first read at or over the HIGH ratio while the ballast was allocated in 64 MiB steps) / interval; it includes the wait for the next sample. " +
    "fromCrossingSample: (pause time - time of the monitor's first sample at HIGH or above) / interval: detection, publication and reaction without the sampling wait. " +
    "topic-only: the worker's governor hears only asr.memory.pressure; as-deployed: it also samples itself at the same interval, as cli workers do.";
  const result: BackpressureBenchResult = {
    benchmark: "backpressure-latency",
    rows: headlineRows(eventToPause, crossingRuns, samplingCpu, rssModerateVsLow),
    notes: [eventToPause.note, crossingNote, samplingCpu.note, `peak RSS: ${rssModerateVsLow.load.segments} segments of ${rssModerateVsLow.load.segmentBytes} B, ${rssModerateVsLow.load.maxInFlight} in flight at LOW, ${rssModerateVsLow.load.engine}; a fresh processor process per run, LOW and MODERATE alternating`],
    startedAt,
    machine,
    eventToPause,
    crossingToPause: {
      unit: "sampling intervals",
      goal: 2,
      runs: crossingRuns,
      note: crossingNote,
    },
    samplingCpu,
    rssModerateVsLow,
  };
  const out = options.out === undefined ? join(HERE, "results", "backpressure-latency.json") : options.out;
  if (out) {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${out}`);
  }
  return result;
}

function headlineRows(
  event: BackpressureBenchResult["eventToPause"],
  crossing: BackpressureBenchResult["crossingToPause"]["runs"],
  cpu: BackpressureBenchResult["samplingCpu"],
  rss: BackpressureBenchResult["rssModerateVsLow"],
): BenchRow[] {
  const rows: BenchRow[] = [
    { what: "pressure event → consumer paused, p50", subject: { label: "p50", value: event.pause.p50, unit: "ms" } },
    { what: "pressure event → consumer paused, p99", subject: { label: "p99", value: event.pause.p99, unit: "ms" }, goal: "p99 ≤ 500 ms", met: event.pause.p99 <= 500 },
  ];
  for (const run of crossing) {
    rows.push({
      what: `threshold crossed → paused, worst of ${run.fromThresholdCrossed.n} (${run.mode}, ${run.intervalMs} ms sampling)`,
      subject: { label: "max", value: run.fromThresholdCrossed.max, unit: "sampling intervals" },
      goal: "≤ 2 sampling intervals",
      met: run.fromThresholdCrossed.max <= 2,
    });
  }
  rows.push({
    what: "CPU of the pressure monitor sampling every 2 s (whole tick: sample, classify, trend, publish)",
    subject: { label: "one core", value: cpu.monitorPercentOfOneCoreAt2s / 100, unit: "ratio" },
    goal: "< 1% of one core",
    met: cpu.monitorPercentOfOneCoreAt2s < 1,
  });
  rows.push({
    what: "peak RSS of a processor on the same load, MODERATE vs LOW",
    baseline: { label: "LOW", value: rss.meanPeakRssBytes.LOW, unit: "B" },
    subject: { label: "MODERATE", value: rss.meanPeakRssBytes.MODERATE, unit: "B" },
    ratio: rss.meanPeakRssBytes.MODERATE / rss.meanPeakRssBytes.LOW,
  });
  return rows;
}

async function withStack<T>(fn: (stack: Stack) => Promise<T>): Promise<T> {
  const stack = await openStack();
  try {
    return await fn(stack);
  } finally {
    await stack.close();
  }
}

interface Stack {
  ctx: ServiceContext;
  env: NodeJS.ProcessEnv;
  prefix: string;
  close(): Promise<void>;
}

/** Topics of our own on the local stack (or KAFKA_BROKERS etc. from the environment), removed on close. */
async function openStack(): Promise<Stack> {
  const prefix = `bench-bp-${randomBytes(3).toString("hex")}.`;
  const env: NodeJS.ProcessEnv = { ...process.env, LINGOSTREAM_TOPIC_PREFIX: prefix };
  const config = loadConfig(connectionSpec, env);
  const ctx = createServiceContext(config, createLogger({ level: process.env.LOG_LEVEL ?? "error", name: "bench-backpressure" }), { role: "bench" });
  const admin = ctx.kafka.admin();
  await admin.connect();
  try {
    await applyTopics(admin, await loadTopicSpecs(), { prefix, partitions: 2 });
  } finally {
    await admin.disconnect();
  }
  await ctx.store.ensureBucket();
  return {
    ctx,
    env,
    prefix,
    async close() {
      const cleaner = ctx.kafka.admin();
      await cleaner.connect();
      try {
        await deleteTopicsWithPrefix(cleaner, prefix);
      } finally {
        await cleaner.disconnect();
      }
      ctx.store.close();
    },
  };
}

/** One stored WAV of `seconds` of noise, and `count` segment events pointing at it. */
async function publishSegments(stack: Stack, jobId: string, count: number, seconds: number): Promise<string> {
  const { ctx } = stack;
  const pcm = randomBytes(Math.round(seconds * SAMPLE_RATE) * 2);
  const key = `bench/${stack.prefix}${jobId}.wav`;
  const stored = await ctx.store.put(key, encodeWav(pcm, SAMPLE_RATE, 1), "audio/wav");
  await ctx.serde.register("segments");
  const producer = ctx.kafka.producer();
  await producer.connect();
  try {
    for (let from = 0; from < count; from += 500) {
      const messages = [];
      for (let index = from; index < Math.min(count, from + 500); index++) {
        const segment: AudioSegment = {
          tenant: "bench",
          jobId,
          segmentId: `${jobId}-${String(index).padStart(6, "0")}`,
          index,
          startSeconds: index * seconds,
          endSeconds: (index + 1) * seconds,
          language: "en",
          engine: "deterministic",
          attempt: 1,
          claimCheck: { bucket: ctx.store.bucket, key, byteSize: stored.byteSize, sha256: stored.sha256, sampleRate: SAMPLE_RATE, channels: 1, encoding: "wav/pcm_s16le" },
          inlineAudio: null,
          producerId: "bench",
          eventTime: Date.now(),
          firstFailureTime: null,
        } as AudioSegment;
        messages.push({ key: segment.segmentId, value: await ctx.serde.encode("segments", segment) });
      }
      await producer.send({ topic: ctx.topics.segments, messages });
    }
  } finally {
    await producer.disconnect();
  }
  return key;
}

/** Resolves the next pause (true) or resume (false) the processor reports, with the time it happened. */
function pauseWatch(clock: () => number) {
  let waiter: { paused: boolean; resolve: (t: number) => void } | undefined;
  return {
    onPauseChange(event: { paused: boolean }) {
      const at = clock();
      if (waiter && waiter.paused === event.paused) {
        const w = waiter;
        waiter = undefined;
        w.resolve(at);
      }
    },
    next(paused: boolean, timeoutMs = 30_000): Promise<number> {
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${paused ? "pause" : "resume"} within ${timeoutMs} ms`)), timeoutMs);
        waiter = {
          paused,
          resolve: (t) => {
            clearTimeout(timer);
            resolve(t);
          },
        };
      });
    },
  };
}

function asrConfig(stack: Stack, group: string, overrides: Record<string, string> = {}) {
  return loadConfig(asrSpec, { ...stack.env, LINGOSTREAM_ASR_GROUP: `${stack.prefix}${group}`, LINGOSTREAM_ASR_ENGINE: "deterministic", ...overrides });
}

/** The deterministic engine with a simulated cost per second of audio. */
function deterministicEngines(delayMsPerAudioSecond: number): EngineFactory {
  return (name) => createEngine(name, { deterministic: { delayMsPerAudioSecond } });
}

/** The context with a metrics registry of its own: each service registers its metrics once per registry. */
function withOwnMetrics(ctx: ServiceContext): ServiceContext {
  return { ...ctx, metrics: createMetricsRegistry() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** MemoryPressure events published by hand → the processor's consumer paused, while it works through a backlog. */
async function benchEventToPause(stack: Stack, trials: number, log: (line: string) => void): Promise<BackpressureBenchResult["eventToPause"]> {
  const { ctx } = stack;
  const key = await publishSegments(stack, "event-load", 5000, 1);
  const governor = new PressureGovernor({ maxInFlight: 2, heartbeatIntervalMs: 2000 });
  const subscriber = await startPressureSubscriber(ctx, governor, { groupId: `${stack.prefix}pressure-event` });
  const watch = pauseWatch(() => performance.now());
  const processor: AsrProcessor = await startAsrProcessor(withOwnMetrics(ctx), {
    config: asrConfig(stack, "asr-event", { LINGOSTREAM_ASR_MAX_IN_FLIGHT: "2" }),
    engineFactory: deterministicEngines(20),
    backpressure: governorBackpressure(governor),
    onPauseChange: (e) => watch.onPauseChange(e),
  });
  await ctx.serde.register("memoryPressure");
  const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const publish = async (level: PressureLevel) => {
    const event: MemoryPressure = {
      sourceId: "bench-source",
      host: hostname(),
      instanceId: ctx.instanceId,
      role: "bench",
      level,
      reason: "level-change",
      usedRatio: level === "LOW" ? 0.5 : 0.85,
      usedBytes: 0,
      limitBytes: 0,
      availableBytes: 0,
      rssBytes: 0,
      heapUsedBytes: 0,
      externalBytes: 0,
      arrayBuffersBytes: 0,
      psiSomeAvg10: null,
      psiFullAvg10: null,
      sampleIntervalMs: 2000,
      producerId: ctx.instanceId,
      eventTime: Date.now(),
    };
    const value = await ctx.serde.encode("memoryPressure", event);
    const started = performance.now();
    await producer.send({ topic: ctx.topics.memoryPressure, acks: -1, messages: [{ key: event.sourceId, value }] });
    return { started, acked: performance.now() };
  };
  const pause: number[] = [];
  const resume: number[] = [];
  const sendAck: number[] = [];
  try {
    await sleep(3000); // let the processor join its group and get busy
    for (let i = 0; i < trials; i++) {
      // A random stretch at LOW first, so the pause lands at varied points of the work.
      await sleep(20 + Math.random() * 80);
      const paused = watch.next(true);
      const high = await publish(i % 2 === 0 ? "HIGH" : "CRITICAL");
      pause.push((await paused) - high.started);
      sendAck.push(high.acked - high.started);
      const resumed = watch.next(false);
      const low = await publish("LOW");
      resume.push((await resumed) - low.started);
    }
  } finally {
    await producer.disconnect();
    await processor.stop();
    await subscriber.stop();
    await stack.ctx.store.delete(key).catch(() => {});
  }
  const result = {
    unit: "ms" as const,
    goalP99: 500,
    pause: distribution(pause),
    resume: distribution(resume),
    sendAck: distribution(sendAck),
    note: `from just before producer.send of a MemoryPressure (acks=all) to the processor's pause callback; ${processor.stats.transcribed} segments transcribed between pauses`,
  };
  log(`event → paused: p50 ${result.pause.p50} ms, p99 ${result.pause.p99} ms, max ${result.pause.max} ms (n=${result.pause.n}); resume p50 ${result.resume.p50} ms, p99 ${result.resume.p99} ms`);
  return result;
}

/** Keeps memory on purpose; release() gives it back to the OS at once (detached chunks over 32 MiB are unmapped). */
class Ballast {
  private chunks: ArrayBuffer[] = [];
  /**
   * Grows RSS 4 MiB at a time, yielding between steps so the sampling and the
   * pause path run as they would beside a workload that grows (not one that
   * blocks the loop); returns when RSS first reached `crossRatio` of `limitBytes`.
   */
  async allocate(bytes: number, limitBytes: number, crossRatio: number): Promise<number | undefined> {
    let crossedAt: number | undefined;
    for (let held = 0; held < bytes; held += 64 * MiB) {
      const chunk = new ArrayBuffer(64 * MiB);
      this.chunks.push(chunk);
      const pages = new Uint8Array(chunk);
      // Pages of a fresh mapping become resident only when touched.
      for (let at = 0; at < chunk.byteLength; at += 4 * MiB) {
        pages.fill(1, at, at + 4 * MiB);
        if (crossedAt === undefined && process.memoryUsage().rss >= crossRatio * limitBytes) crossedAt = Date.now();
        await new Promise((r) => setImmediate(r));
      }
    }
    return crossedAt;
  }
  release(): void {
    for (const chunk of this.chunks) chunk.transfer(0);
    this.chunks = [];
  }
}

/** A real monitor (process scope) and processor in this process; a ballast crosses the thresholds. */
async function benchCrossingToPause(
  stack: Stack,
  intervalMs: number,
  trials: number,
  mode: "topic-only" | "as-deployed",
  log: (line: string) => void,
): Promise<BackpressureBenchResult["crossingToPause"]["runs"][number]> {
  const { ctx } = stack;
  const limitBytes = Math.ceil((process.memoryUsage().rss + 512 * MiB) / MiB) * MiB;
  const memory = loadMemoryConfig({
    LINGOSTREAM_MEMORY_SCOPE: "process",
    LINGOSTREAM_MEMORY_LIMIT_BYTES: String(limitBytes),
    LINGOSTREAM_MEMORY_MIN_FREE_BYTES: "0",
    LINGOSTREAM_PRESSURE_INTERVAL_MS: String(intervalMs),
  });
  const samples: { time: number; ratio: number }[] = [];
  const inner = new MemorySampler();
  const sampler = {
    async sample(): Promise<MemorySample> {
      const s = await inner.sample();
      samples.push({ time: s.time, ratio: s.process.rssBytes / limitBytes });
      if (samples.length > 1000) samples.splice(0, 500);
      return s;
    },
  };
  const monitor = await startPressureMonitor(withOwnMetrics(ctx), { memory, sampler, sourceId: `bench-monitor-${mode}-${intervalMs}` });
  const governor = new PressureGovernor({
    maxInFlight: 2,
    heartbeatIntervalMs: intervalMs,
    usage: { limitOverrideBytes: limitBytes, minFreeRatio: 0.1, minFreeFloorBytes: 0 },
    hostUsage: { minFreeRatio: 0.1, minFreeFloorBytes: 0 },
  });
  const local = mode === "as-deployed" ? new MemorySampler() : undefined;
  const sampling = local ? startLocalSampling({ governor, sampler: local, intervalMs }) : undefined;
  const subscriber = await startPressureSubscriber(ctx, governor, { groupId: `${stack.prefix}pressure-${mode}-${intervalMs}` });
  const watch = pauseWatch(() => Date.now());
  const processor = await startAsrProcessor(withOwnMetrics(ctx), {
    config: asrConfig(stack, `asr-crossing-${mode}-${intervalMs}`),
    engineFactory: deterministicEngines(0),
    backpressure: governorBackpressure(governor),
    onPauseChange: (e) => watch.onPauseChange(e),
  });
  const ballast = new Ballast();
  const fromSample: number[] = [];
  const fromCrossed: number[] = [];
  const sampleToPauseMs: number[] = [];
  try {
    await sleep(2 * intervalMs + 1000);
    for (let i = 0; i < trials; i++) {
      // A random phase, so the crossing falls anywhere within a sampling period.
      await sleep(Math.random() * intervalMs);
      const paused = watch.next(true, 20 * intervalMs + 10_000);
      const began = Date.now();
      const crossedAt = await ballast.allocate(limitBytes, limitBytes, defaultThresholds.warningRatio);
      const pausedAt = await paused;
      const crossingSample = samples.find((s) => s.time >= began && s.ratio >= defaultThresholds.warningRatio);
      if (crossingSample) {
        fromSample.push((pausedAt - crossingSample.time) / intervalMs);
        sampleToPauseMs.push(pausedAt - crossingSample.time);
      }
      if (crossedAt !== undefined) fromCrossed.push((pausedAt - crossedAt) / intervalMs);
      const resumed = watch.next(false, 20 * intervalMs + 10_000);
      ballast.release();
      await resumed;
      // Both views back under HIGH before the next trial.
      while (monitor.current && monitor.current.level !== "LOW") await sleep(intervalMs / 4);
      await sleep(intervalMs);
    }
  } finally {
    ballast.release();
    await processor.stop();
    await subscriber.stop();
    await sampling?.stop();
    await local?.close();
    await monitor.stop();
    // The monitor closes only a sampler it made itself.
    await inner.close();
  }
  const run = {
    intervalMs,
    mode,
    fromCrossingSample: distribution(fromSample),
    fromThresholdCrossed: distribution(fromCrossed),
    crossingSampleToPauseMs: distribution(sampleToPauseMs),
  };
  log(
    `crossing → paused (${mode}, ${intervalMs} ms sampling): from the crossing sample p50 ${run.fromCrossingSample.p50}, max ${run.fromCrossingSample.max} intervals; ` +
      `from the threshold crossed p50 ${run.fromThresholdCrossed.p50}, max ${run.fromThresholdCrossed.max} intervals (n=${trials})`,
  );
  return run;
}

/** The cost of one sample (all sources, classification) and of one tick of the real monitor (sample, trend, encode, publish). */
async function benchSamplingCpu(stack: Stack, count: number, monitorRunMs: number, log: (line: string) => void): Promise<BackpressureBenchResult["samplingCpu"]> {
  const sampler = new MemorySampler();
  const usage = { scope: "host" as const, minFreeRatio: 0.1, minFreeFloorBytes: 1024 ** 3 };
  let level: PressureLevel | undefined;
  for (let i = 0; i < 50; i++) level = classify(computeUsage(await sampler.sample(), usage), level, defaultThresholds);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < count; i++) level = classify(computeUsage(await sampler.sample(), usage), level, defaultThresholds);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - wall0;
  await sampler.close();
  const perSampleCpuUs = (cpu.user + cpu.system) / count;

  // The whole monitor at a fast interval, minus this process's idle cost over the same time.
  const idle0 = process.cpuUsage();
  await sleep(monitorRunMs);
  const idleUs = cpuUs(process.cpuUsage(idle0));
  const memory = loadMemoryConfig({ LINGOSTREAM_PRESSURE_INTERVAL_MS: "50", LINGOSTREAM_TREND_WINDOW_MS: "2000" });
  const monitor = await startPressureMonitor(withOwnMetrics(stack.ctx), { memory, sourceId: "bench-cpu" });
  await sleep(1000);
  const busy0 = process.cpuUsage();
  const ticks0 = monitor.stats.samples;
  await sleep(monitorRunMs);
  const busyUs = cpuUs(process.cpuUsage(busy0));
  const ticks = monitor.stats.samples - ticks0;
  await monitor.stop();
  const monitorTickCpuUs = Math.max(0, busyUs - idleUs) / Math.max(1, ticks);
  const result = {
    goalPercentOfOneCore: 1,
    perSampleCpuUs: round(perSampleCpuUs),
    perSampleWallUs: round((wall * 1000) / count),
    percentOfOneCoreAt2s: round((perSampleCpuUs / 2_000_000) * 100, 5),
    monitorTickCpuUs: round(monitorTickCpuUs),
    monitorPercentOfOneCoreAt2s: round((monitorTickCpuUs / 2_000_000) * 100, 5),
    note: `per sample: ${count} back-to-back MemorySampler.sample() + computeUsage + classify; monitor tick: the real pressure monitor at 50 ms for ${monitorRunMs} ms (${ticks} ticks) minus the same idle time, extrapolated to one tick every 2 s`,
  };
  log(`sampling CPU: ${result.perSampleCpuUs} µs per sample = ${result.percentOfOneCoreAt2s}% of a core at 2 s; whole monitor ${result.monitorTickCpuUs} µs per tick = ${result.monitorPercentOfOneCoreAt2s}% of a core at 2 s`);
  return result;
}

function cpuUs(u: NodeJS.CpuUsage): number {
  return u.user + u.system;
}

function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

const RSS_SEGMENT_SECONDS = 262; // 8 MiB of 16 kHz mono s16le
const RSS_MAX_IN_FLIGHT = 8;
const RSS_ENGINE_MS_PER_SECOND = 2;

/** The same backlog processed by a fresh processor process at LOW and at MODERATE (forced by thresholds), alternating. */
async function benchRss(stack: Stack, segments: number, log: (line: string) => void): Promise<BackpressureBenchResult["rssModerateVsLow"]> {
  const key = await publishSegments(stack, "rss-load", segments, RSS_SEGMENT_SECONDS);
  const runs: RssRun[] = [];
  try {
    for (const mode of ["LOW", "MODERATE", "LOW", "MODERATE"] as const) {
      const r = await runChild({ mode, prefix: stack.prefix, group: `${stack.prefix}rss-${mode}-${runs.length}`, segments });
      runs.push(r);
      log(`rss ${mode}: peak ${(r.peakRssBytes / MiB).toFixed(1)} MiB (baseline ${(r.baselineRssBytes / MiB).toFixed(1)} MiB, ${r.maxInFlightAllowed} in flight, ${r.durationMs} ms)`);
    }
  } finally {
    await stack.ctx.store.delete(key).catch(() => {});
  }
  const mean = (mode: string, f: (r: RssRun) => number) => {
    const of = runs.filter((r) => r.mode === mode).map(f);
    return Math.round(of.reduce((a, b) => a + b, 0) / of.length);
  };
  return {
    load: { segments, segmentBytes: RSS_SEGMENT_SECONDS * SAMPLE_RATE * 2 + 44, maxInFlight: RSS_MAX_IN_FLIGHT, engine: `deterministic, ${RSS_ENGINE_MS_PER_SECOND} ms per audio second` },
    runs,
    meanPeakRssBytes: { LOW: mean("LOW", (r) => r.peakRssBytes), MODERATE: mean("MODERATE", (r) => r.peakRssBytes) },
    meanPeakAboveBaselineBytes: { LOW: mean("LOW", (r) => r.peakRssBytes - r.baselineRssBytes), MODERATE: mean("MODERATE", (r) => r.peakRssBytes - r.baselineRssBytes) },
  };
}

interface ChildArgs {
  mode: "LOW" | "MODERATE";
  prefix: string;
  group: string;
  segments: number;
}

function runChild(args: ChildArgs): Promise<RssRun> {
  return new Promise<RssRun>((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--rss-child", JSON.stringify(args)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`rss child (${args.mode}) exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as RssRun);
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** In a process of its own: a processor whose governor sits at the requested level works through the backlog. */
async function rssChild(args: ChildArgs): Promise<void> {
  const env = { ...process.env, LINGOSTREAM_TOPIC_PREFIX: args.prefix };
  const ctx = createServiceContext(loadConfig(connectionSpec, env), createLogger({ level: "error", name: "bench-rss" }), { role: "bench-rss" });
  // MODERATE is forced by a safe ratio every machine exceeds; nothing reaches HIGH.
  const moderate: PressureThresholds = { safeRatio: 0.0001, warningRatio: 0.98, criticalRatio: 0.99, hysteresis: 0 };
  const governor = new PressureGovernor({
    maxInFlight: RSS_MAX_IN_FLIGHT,
    thresholds: args.mode === "MODERATE" ? moderate : defaultThresholds,
    usage: { minFreeRatio: 0, minFreeFloorBytes: 0 },
    heartbeatIntervalMs: 2000,
  });
  const sampler = new MemorySampler();
  governor.observeLocal(await sampler.sample());
  const sampling = startLocalSampling({ governor, sampler, intervalMs: 500 });
  let settled = 0;
  let allSettled: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    allSettled = resolve;
  });
  const baselineRssBytes = process.memoryUsage().rss;
  let peakRssBytes = baselineRssBytes;
  const probe = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
  }, 5);
  const started = Date.now();
  const processor = await startAsrProcessor(ctx, {
    config: loadConfig(asrSpec, {
      ...env,
      LINGOSTREAM_ASR_GROUP: args.group,
      LINGOSTREAM_ASR_ENGINE: "deterministic",
      LINGOSTREAM_ASR_MAX_IN_FLIGHT: String(RSS_MAX_IN_FLIGHT),
    }),
    engineFactory: deterministicEngines(RSS_ENGINE_MS_PER_SECOND),
    backpressure: governorBackpressure(governor),
    handles: new HandleRegistry(),
    onSettled: () => {
      if (++settled >= args.segments) allSettled();
    },
  });
  await finished;
  const durationMs = Date.now() - started;
  clearInterval(probe);
  peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
  const level = governor.state.level;
  const maxInFlightAllowed = governor.state.maxInFlight;
  await processor.stop();
  await sampling.stop();
  await sampler.close();
  ctx.store.close();
  const run: RssRun = {
    mode: args.mode,
    level,
    maxInFlightAllowed,
    baselineRssBytes,
    peakRssBytes,
    kernelMaxRssBytes: process.resourceUsage().maxRSS * 1024,
    durationMs,
    settled,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

if (import.meta.main) {
  if (process.argv[2] === "--rss-child") {
    await rssChild(JSON.parse(process.argv[3] ?? "{}") as ChildArgs);
    process.exit(0);
  } else {
    await run();
    process.exit(0);
  }
}
