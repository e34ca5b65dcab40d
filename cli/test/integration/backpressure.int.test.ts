// Memory backpressure on the real stack, every worker in this process: with a
// low imposed limit (process scope: this process's RSS against it) a ballast
// allocation drives the monitor to HIGH/CRITICAL; the ASR processor pauses in
// the middle of a job and the segmenter stops cutting; when the ballast goes,
// both resume and every segment ends transcribed, none lost, in a completed job.
// How fast the pause comes is measured and printed here, and benchmarked in
// `npm run bench -- backpressure` (bench/src/backpressure.ts); it is not asserted (machines are noisy).

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type AsrEngine, createEngine } from "@lingostream/asr";
import type { RunningService, ServiceContext } from "@lingostream/runtime";
import { type AudioSegment, jobEventValue, type MemoryPressure } from "@lingostream/schemas";
import { createStackContext, LONG_TEXT, SHORT_TEXTS, type StackContext, synthesizeSpeech, waitFor } from "@lingostream/testkit";
import { ROLES, startServices, stopServices } from "@lingostream/worker-host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobWatcher } from "../../src/job-watcher.ts";

const MiB = 1024 ** 2;
const INTERVAL_MS = 200;
/** Simulated engine cost, so a job outlasts the moment the ballast lands. */
const ENGINE_MS_PER_AUDIO_SECOND = 60;
/** Over 32 MiB each, so every chunk is its own mapping and its memory really leaves the process on release. */
const BALLAST_CHUNK = 64 * MiB;

/** Memory this process holds on purpose; release() gives it back to the OS at once (no GC involved). */
class Ballast {
  private chunks: ArrayBuffer[] = [];
  allocate(bytes: number): void {
    for (let held = 0; held < bytes; held += BALLAST_CHUNK) {
      const chunk = new ArrayBuffer(BALLAST_CHUNK);
      // Touch every page: untouched pages of a fresh mapping are not resident.
      new Uint8Array(chunk).fill(1);
      this.chunks.push(chunk);
    }
  }
  release(): void {
    // Detaching frees the backing store now, not at the next major GC.
    for (const chunk of this.chunks) chunk.transfer(0);
    this.chunks = [];
  }
}

interface Timed<T> {
  value: T;
  at: number;
}

async function collect<T>(ctx: ServiceContext, topic: string): Promise<{ values: Timed<T>[]; stop(): Promise<void> }> {
  const values: Timed<T>[] = [];
  const consumer = ctx.kafka.consumer({ groupId: `collect-${topic}-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      if (message.value) values.push({ value: (await ctx.serde.decode(message.value)).value as T, at: Date.now() });
    },
  });
  return { values, stop: () => consumer.disconnect() };
}

async function submitJob(ctx: ServiceContext, jobId: string, path: string): Promise<void> {
  await ctx.serde.register("jobs");
  const producer = ctx.kafka.producer();
  await producer.connect();
  try {
    const event = jobEventValue("JobRequested", {
      tenant: "test",
      jobId,
      source: path,
      sourceName: `${jobId}.wav`,
      language: "en",
      engine: "deterministic",
      producerId: ctx.instanceId,
      eventTime: Date.now(),
    });
    await producer.send({ topic: ctx.topics.jobs, acks: -1, messages: [{ key: jobId, value: await ctx.serde.encode("jobs", event) }] });
  } finally {
    await producer.disconnect();
  }
}

const severe = (level: string) => level === "HIGH" || level === "CRITICAL";

describe("memory backpressure across the workers", () => {
  let stack: StackContext;
  let dir: string;
  let services: RunningService[] | undefined;
  const ballast = new Ballast();
  let limitBytes: number;

  beforeAll(async () => {
    // The limit sits well above what this process needs to run the pipeline,
    // and the ballast alone fills it: LOW before, CRITICAL with it, LOW after.
    limitBytes = Math.ceil((process.memoryUsage().rss + 768 * MiB) / MiB) * MiB;
    stack = await createStackContext("backpressure", {
      partitions: 2,
      env: {
        LINGOSTREAM_MEMORY_SCOPE: "process",
        LINGOSTREAM_MEMORY_LIMIT_BYTES: String(limitBytes),
        LINGOSTREAM_MEMORY_MIN_FREE_BYTES: "0",
        LINGOSTREAM_PRESSURE_INTERVAL_MS: String(INTERVAL_MS),
        LINGOSTREAM_ASR_ENGINE: "deterministic",
        LINGOSTREAM_ASR_MAX_IN_FLIGHT: "2",
        LINGOSTREAM_SEGMENT_TARGET_SECONDS: "4",
        LINGOSTREAM_SEGMENT_WINDOW_SECONDS: "1",
        LINGOSTREAM_SEGMENT_MAX_SECONDS: "6",
      },
    });
    dir = await mkdtemp(join(tmpdir(), "lingostream-backpressure-"));
  });

  afterAll(async () => {
    ballast.release();
    if (services) await stopServices(services);
    await stack?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("pauses the ASR processor mid-job and the segmenter under HIGH/CRITICAL, then resumes and finishes with nothing lost", async () => {
    const { ctx } = stack;
    const long = await synthesizeSpeech(LONG_TEXT.text, join(dir, "long.wav"));
    const short = await synthesizeSpeech(SHORT_TEXTS[0]!.text, join(dir, "short.wav"));
    expect(long.durationSeconds).toBeGreaterThan(60);

    const pressure = await collect<MemoryPressure>(ctx, ctx.topics.memoryPressure);
    const segments = await collect<AudioSegment>(ctx, ctx.topics.segments);
    const pauses: { paused: boolean; level: string; time: number }[] = [];
    const engineCalls: number[] = [];
    const engineFactory = (name: string): AsrEngine => {
      const inner = createEngine(name, { deterministic: { delayMsPerAudioSecond: ENGINE_MS_PER_AUDIO_SECOND } });
      return {
        name: inner.name,
        transcribe(audio, opts) {
          engineCalls.push(Date.now());
          return inner.transcribe(audio, opts);
        },
        close: () => inner.close(),
      };
    };
    services = await startServices(ctx, ROLES, stack.env, { engineFactory, onAsrPauseChange: (e) => pauses.push(e) });

    const watcher = new JobWatcher(ctx);
    const admin = ctx.kafka.admin();
    await admin.connect();
    try {
      await watcher.mark(admin);
    } finally {
      await admin.disconnect();
    }
    const longJob = `long-${Date.now().toString(36)}`;
    const shortJob = `short-${Date.now().toString(36)}`;
    watcher.watch(longJob);
    watcher.watch(shortJob);
    await watcher.start(() => {});
    const segmentsOf = (jobId: string) => segments.values.filter((s) => s.value.jobId === jobId);

    try {
      await waitFor(() => pressure.values.length > 0 && pressure.values.every((p) => p.value.level === "LOW"), "the monitor reporting LOW before the ballast");

      // Phase 1: pressure arrives while the long job is being transcribed.
      await submitJob(ctx, longJob, long.path);
      const job = watcher.jobs.get(longJob)!;
      await waitFor(() => job.transcribed.size >= 3, "the first results of the long job");
      const ballastAt = Date.now();
      ballast.allocate(limitBytes);
      const paused = await waitFor(() => pauses.find((p) => p.paused && p.time >= ballastAt), "the ASR processor to pause");
      const crossing = await waitFor(
        () => pressure.values.find((p) => severe(p.value.level) && p.value.eventTime >= ballastAt),
        "the monitor to publish HIGH or CRITICAL",
      );
      console.info(
        `threshold-crossing sample → ASR paused: ${paused.time - crossing.value.eventTime} ms = ${((paused.time - crossing.value.eventTime) / INTERVAL_MS).toFixed(2)} sampling intervals ` +
          `(monitor published ${crossing.value.level}, ratio ${crossing.value.usedRatio.toFixed(2)}; pause at ${paused.level})`,
      );
      expect(job.completed).toBeUndefined();

      // Phase 2: while the pressure lasts nothing new starts, and a new job is not cut.
      await submitJob(ctx, shortJob, short.path);
      await sleep(15 * INTERVAL_MS);
      // Only segments already in flight when the pause came (at most LINGOSTREAM_ASR_MAX_IN_FLIGHT) may still reach the engine.
      expect(engineCalls.filter((t) => t > paused.time).length).toBeLessThanOrEqual(2);
      expect(segmentsOf(shortJob)).toEqual([]);
      expect(pauses.filter((p) => !p.paused && p.time > paused.time)).toEqual([]);
      const transcribedWhilePaused = job.transcribed.size;
      expect(transcribedWhilePaused).toBeLessThan(job.segmentCount ?? Number.POSITIVE_INFINITY);

      // Phase 3: the ballast goes; both workers resume and everything finishes.
      const releasedAt = Date.now();
      ballast.release();
      await waitFor(() => pauses.find((p) => !p.paused && p.time >= releasedAt), "the ASR processor to resume");
      await waitFor(() => watcher.allEnded(), "both jobs to complete", 150_000);
      expect(pressure.values.some((p) => p.at >= releasedAt && !severe(p.value.level))).toBe(true);

      for (const jobId of [longJob, shortJob]) {
        const state = watcher.jobs.get(jobId)!;
        expect(state.failure).toBeUndefined();
        expect(state.completed).toBeDefined();
        expect([...state.failed.keys()]).toEqual([]);
        // Every segment cut ends transcribed; duplicates from redelivery collapse by segmentId.
        const cut = new Set(segmentsOf(jobId).map((s) => s.value.segmentId));
        expect(cut.size).toBe(state.segmentCount);
        expect([...state.transcribed].sort()).toEqual([...cut].sort());
        const transcript = JSON.parse((await ctx.store.get(state.completed!.transcriptKeys.json, 64 * MiB)).toString("utf8")) as { segments: { index: number }[] };
        expect(transcript.segments.map((s) => s.index)).toEqual([...Array(state.segmentCount).keys()]);
      }
      // The segmenter cut the short job only after the pressure eased.
      expect(segmentsOf(shortJob).every((s) => s.at >= releasedAt)).toBe(true);
      expect(job.segmentCount).toBeGreaterThan(transcribedWhilePaused);

      const metrics = await ctx.metrics.metrics();
      expect(metrics).toMatch(/lingostream_asr_pauses_total\{level="(HIGH|CRITICAL)"\} [1-9]/);
      expect(metrics).toMatch(/lingostream_asr_resumes_total [1-9]/);
      expect(metrics).toMatch(/lingostream_worker_handles_live\{kind="buffer"\} 0/);
      expect(metrics).toMatch(/lingostream_worker_handles_leaked_total\{kind="buffer"\} 0/);
    } finally {
      ballast.release();
      await watcher.stop();
      await pressure.stop();
      await segments.stop();
    }
  }, 300_000);
});
