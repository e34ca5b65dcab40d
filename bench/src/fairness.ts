// fairness: tenants sharing the ASR slots. Every worker role runs in this
// process on isolated topics, with the deterministic engine at a simulated
// cost per audio second and two ASR slots. Tenant B's five-minute job is timed
// alone on the idle pipeline, then again behind tenant A's backlog; then C and
// D, weighted 3:1, submit backlogs at once and their shares are measured.

import { randomBytes } from "node:crypto";
import { appendJobEvent, type ServiceContext } from "@lingostream/runtime";
import { readJobEvent, type SegmentTranscribed } from "@lingostream/schemas";
import { createStackContext, waitFor } from "@lingostream/testkit";
import type { Consumer, Producer } from "kafkajs";
import { contention, type TranscribedSlice, weightedShares } from "./fairness-figures.ts";
import { deleteObjects, tenantPrefixes } from "./fixtures/events.ts";
import { ensurePatternMedia } from "./fixtures/media.ts";
import type { BenchContext, Benchmark, BenchmarkOutcome, Row } from "./report.ts";

export interface FairnessOptions {
  /** Tenant A's backlog: this many files of `backlogFileSeconds`. */
  backlogFiles: number;
  backlogFileSeconds: number;
  /** Tenant B's one file, seconds. */
  smallSeconds: number;
  /** Tenants C and D (weights 3:1): this many files each of `backlogFileSeconds`. */
  weightedFiles: number;
  /** Simulated engine cost, ms per second of audio. */
  delayMs: number;
}

export const FAIRNESS_FULL: FairnessOptions = { backlogFiles: 8, backlogFileSeconds: 1800, smallSeconds: 300, weightedFiles: 4, delayMs: 20 };
export const FAIRNESS_QUICK: FairnessOptions = { backlogFiles: 4, backlogFileSeconds: 600, smallSeconds: 300, weightedFiles: 4, delayMs: 20 };

const SLOTS = 2;
const SMALL_GOAL = 2;
const WEIGHT_RATIO = 3;
const WEIGHT_TOLERANCE = 0.1;
/** One 30 s segment of slack on a share measured over a few dozen segments. */
const SHARE_SLACK = 0.05;
const TENANTS = { backlog: "fair-a", small: "fair-b", heavy: "fair-c", light: "fair-d" } as const;

export const fairnessBenchmark: Benchmark = {
  name: "fairness",
  title: "a tenant's five-minute job behind another tenant's backlog, and two backlogged tenants weighted 3:1, on two ASR slots",
  run: (ctx) => runFairness(ctx, ctx.quick ? FAIRNESS_QUICK : FAIRNESS_FULL),
};

interface JobTimes {
  tenant: string;
  requested?: number;
  segmented?: number;
  completed?: number;
  failed?: string;
}

/** Everything the pipeline says about the run: job events and results, as they arrive. */
class RunWatch {
  readonly jobs = new Map<string, JobTimes>();
  readonly results: TranscribedSlice[] = [];
  #consumer: Consumer | undefined;

  async start(ctx: ServiceContext): Promise<void> {
    const consumer = ctx.kafka.consumer({ groupId: `${ctx.config.topicPrefix}bench-fairness-watch` });
    this.#consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [ctx.topics.jobs, ctx.topics.results], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (!message.value) return;
        const { value } = await ctx.serde.decode(message.value);
        if (topic === ctx.topics.results) {
          const r = value as SegmentTranscribed;
          this.results.push({ tenant: r.tenant, audioSeconds: r.endSeconds - r.startSeconds, at: r.eventTime });
          return;
        }
        const { type, event } = readJobEvent(value);
        const job = this.jobs.get(event.jobId) ?? { tenant: event.tenant };
        this.jobs.set(event.jobId, job);
        if (type === "JobRequested") job.requested = event.eventTime;
        else if (type === "JobSegmented") job.segmented = event.eventTime;
        else if (type === "JobCompleted") job.completed = event.eventTime;
        else if (type === "JobFailed") job.failed = event.message;
      },
    });
  }

  async stop(): Promise<void> {
    await this.#consumer?.disconnect();
  }

  /** Waits for every job to complete; a failed one ends the run with its reason. */
  async completed(jobIds: readonly string[], what: string, timeoutMs: number): Promise<JobTimes[]> {
    return waitFor(
      () => {
        const jobs = jobIds.map((id) => this.jobs.get(id));
        const failed = jobs.find((j) => j?.failed !== undefined);
        if (failed) throw new Error(`${what}: a job failed: ${failed.failed}`);
        return jobs.every((j) => j?.completed !== undefined) ? (jobs as JobTimes[]) : undefined;
      },
      what,
      timeoutMs,
      100,
    );
  }
}

async function submit(ctx: ServiceContext, producer: Producer, tenant: string, jobId: string, source: string): Promise<void> {
  await appendJobEvent(ctx, producer, "JobRequested", {
    tenant,
    jobId,
    source,
    sourceName: jobId,
    language: "en",
    engine: "deterministic",
    producerId: "bench-fairness",
    eventTime: Date.now(),
  });
}

async function runFairness(ctx: BenchContext, options: FairnessOptions): Promise<BenchmarkOutcome> {
  const hooks = ctx.pipeline;
  if (!hooks) throw new Error("the fairness benchmark needs the in-process pipeline (run it through `lingostream bench`)");
  const backlogMedia = await ensurePatternMedia(ctx.cacheDir, options.backlogFileSeconds);
  const smallMedia = await ensurePatternMedia(ctx.cacheDir, options.smallSeconds);
  const stack = await createStackContext("bench-fairness", {
    partitions: 4,
    env: {
      LINGOSTREAM_ASR_ENGINE: "deterministic",
      LINGOSTREAM_ASR_MAX_IN_FLIGHT: String(SLOTS),
      LINGOSTREAM_ASR_DETERMINISTIC_DELAY_MS: String(options.delayMs),
      LINGOSTREAM_TENANTS: `${TENANTS.heavy}:weight=${WEIGHT_RATIO};${TENANTS.light}:weight=1`,
    },
  });
  const run = randomBytes(3).toString("hex");
  const watch = new RunWatch();
  const producer = stack.ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const workers = await hooks.startWorkers(stack.ctx, stack.env);
  // Generous: the safety net against a hang, not a goal.
  const timeoutMs = 60_000 + 10 * options.delayMs * options.backlogFiles * options.backlogFileSeconds;
  try {
    await producer.connect();
    await stack.ctx.serde.register("jobs");
    await watch.start(stack.ctx);

    // 1. B alone on the idle pipeline.
    const aloneId = `b-alone-${run}`;
    await submit(stack.ctx, producer, TENANTS.small, aloneId, smallMedia);
    const [alone] = await watch.completed([aloneId], "B's job alone", timeoutMs);
    const aloneSeconds = (alone!.completed! - alone!.requested!) / 1000;
    ctx.log(`B alone: ${aloneSeconds.toFixed(1)} s`);

    // 2. A's backlog, then B's job once the backlog is queued for ASR and under way.
    const backlogIds = Array.from({ length: options.backlogFiles }, (_, i) => `a-${i}-${run}`);
    for (const id of backlogIds) await submit(stack.ctx, producer, TENANTS.backlog, id, backlogMedia);
    await waitFor(() => backlogIds.every((id) => watch.jobs.get(id)?.segmented !== undefined) || undefined, "A's backlog segmented", timeoutMs);
    const backlogStart = Math.min(...watch.results.filter((r) => r.tenant === TENANTS.backlog).map((r) => r.at));
    // Long enough to measure A's rate alone.
    await waitFor(() => Date.now() - backlogStart > 5000 || undefined, "A's rate alone", timeoutMs);
    const contendedId = `b-behind-${run}`;
    await submit(stack.ctx, producer, TENANTS.small, contendedId, smallMedia);
    const [behind] = await watch.completed([contendedId], "B's job behind A's backlog", timeoutMs);
    const behindSeconds = (behind!.completed! - behind!.requested!) / 1000;
    const figures = contention(watch.results, TENANTS.backlog, TENANTS.small, { from: backlogStart }, { from: behind!.requested!, to: behind!.completed! });
    ctx.log(`B behind A's backlog: ${behindSeconds.toFixed(1)} s; A ${figures.aloneRate.toFixed(1)} → ${figures.contendedRate.toFixed(1)} audio s/s`);
    const backlogJobs = await watch.completed(backlogIds, "A's backlog", timeoutMs);
    const backlogSeconds = (Math.max(...backlogJobs.map((j) => j.completed!)) - Math.min(...backlogJobs.map((j) => j.requested!))) / 1000;

    // 3. C and D, weighted 3:1, both backlogged.
    const heavyIds = Array.from({ length: options.weightedFiles }, (_, i) => `c-${i}-${run}`);
    const lightIds = Array.from({ length: options.weightedFiles }, (_, i) => `d-${i}-${run}`);
    for (let i = 0; i < options.weightedFiles; i++) {
      await submit(stack.ctx, producer, TENANTS.heavy, heavyIds[i]!, backlogMedia);
      await submit(stack.ctx, producer, TENANTS.light, lightIds[i]!, backlogMedia);
    }
    const weighted = await watch.completed([...heavyIds, ...lightIds], "C's and D's backlogs", timeoutMs);
    // Both are backlogged once every file of both is segmented: before that, a tenant's share is what the segmenter has published of it.
    const queuedFrom = Math.max(...weighted.map((j) => j.segmented!));
    const shares = weightedShares(watch.results, TENANTS.heavy, TENANTS.light, queuedFrom);
    ctx.log(`C:D = ${shares.ratio.toFixed(2)} over ${((shares.to - shares.from) / 1000).toFixed(1)} s`);

    const dropLimit = figures.smallShare + SHARE_SLACK;
    const rows: Row[] = [
      {
        what: `B's ${options.smallSeconds / 60}-minute job behind A's ${((options.backlogFiles * options.backlogFileSeconds) / 3600).toFixed(1)} h backlog vs alone (JobRequested → JobCompleted)`,
        baseline: { label: "alone", value: aloneSeconds, unit: "s" },
        subject: { label: "behind A's backlog", value: behindSeconds, unit: "s" },
        ratio: behindSeconds / aloneSeconds,
        goal: `<= ${SMALL_GOAL}x`,
        met: behindSeconds <= SMALL_GOAL * aloneSeconds,
      },
      {
        what: "A's throughput while B's job ran vs before it (audio s per s); drop vs B's share of the audio transcribed meanwhile",
        baseline: { label: "A before B", value: figures.aloneRate, unit: "audio s/s" },
        subject: { label: "A during B", value: figures.contendedRate, unit: "audio s/s" },
        ratio: figures.contendedRate / figures.aloneRate,
        goal: `drop <= B's share ${figures.smallShare.toFixed(2)} (+${SHARE_SLACK})`,
        met: figures.drop <= dropLimit,
      },
      {
        what: "C:D audio seconds transcribed while both were backlogged, weights 3:1",
        baseline: { label: "D (weight 1)", value: shares.light, unit: "s" },
        subject: { label: "C (weight 3)", value: shares.heavy, unit: "s" },
        ratio: shares.ratio,
        goal: `${WEIGHT_RATIO} ± ${WEIGHT_TOLERANCE * 100}%`,
        met: Math.abs(shares.ratio - WEIGHT_RATIO) <= WEIGHT_RATIO * WEIGHT_TOLERANCE,
      },
    ];
    const notes = [
      `Every worker role in this process on isolated topics (4 partitions), LINGOSTREAM_ASR_ENGINE=deterministic with LINGOSTREAM_ASR_DETERMINISTIC_DELAY_MS=${options.delayMs} (ms per audio second, sleeping, no CPU), LINGOSTREAM_ASR_MAX_IN_FLIGHT=${SLOTS}. Media: tone over pink noise with a pause every 10 s (opus), so no segment is silent.`,
      `B is submitted once every file of A's backlog is segmented (A's segments queued in asr.segments) and A has run alone for 5 s; a job's time is its JobRequested → JobCompleted eventTimes, the sink's 1 s flush included. A's backlog took ${backlogSeconds.toFixed(1)} s in all.`,
      `A's drop is 1 - (A's audio seconds transcribed per second while B's job ran) / (the same before it); B's share is B's part of all audio transcribed while its job ran. The goal allows ${SHARE_SLACK} for the granularity of 30 s segments.`,
      `C and D each submit ${options.weightedFiles} files of ${options.backlogFileSeconds / 60} min at once with LINGOSTREAM_TENANTS=${TENANTS.heavy}:weight=3;${TENANTS.light}:weight=1; shares count results from when every file of both was segmented (before that a tenant's share is bounded by what the segmenter has published of it) to the earlier tenant's last result.`,
    ];
    const details = { options, slots: SLOTS, aloneSeconds, behindSeconds, backlogSeconds, contention: figures, shares };
    return { rows, notes, details };
  } finally {
    await watch.stop();
    await producer.disconnect();
    await workers.stop();
    for (const tenant of Object.values(TENANTS)) await deleteObjects(stack.ctx.store, tenantPrefixes(tenant));
    await deleteObjects(stack.ctx.store, [`archive/${stack.ctx.topics.results}/`]);
    await stack.cleanup();
  }
}
