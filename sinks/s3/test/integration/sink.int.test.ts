// The S3 sink against the real local stack (Kafka, schema registry, S3): out-of-order
// and duplicate results assemble into one clean transcript, a failed segment that
// is replayed later re-assembles the job, and a restart that re-reads everything
// duplicates nothing. Topics, subjects and objects are this run's own and removed after.

import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  connectionSpec,
  createLogger,
  createServiceContext,
  type Gauge,
  loadConfig,
  type RunningService,
  type ServiceContext,
} from "@lingostream/runtime";
import { jobEventValue, readJobEvent, type SegmentFailed, type SegmentTranscribed, SerdeError } from "@lingostream/schemas";
import { waitFor as pollFor } from "@lingostream/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestedKey, type SinkOptions, startS3Sink } from "../../src/index.ts";
import { deadLetterEvent, transcribedEvent, WORDS_PER_SEGMENT } from "../sink-events.ts";

const run = randomBytes(3).toString("hex");
const prefix = `it-sink-${run}.`;
const tenant = `it-${run}`;
const jobA = `job-a-${run}`;
const jobB = `job-b-${run}`;

// The AWS SDK reads credentials from the environment itself.
process.env.AWS_ACCESS_KEY_ID ??= "lingostream";
process.env.AWS_SECRET_ACCESS_KEY ??= "lingostream-secret";

const logger = createLogger({ level: process.env.LOG_LEVEL ?? "warn" });
const ctx: ServiceContext = createServiceContext(loadConfig(connectionSpec, { ...process.env, LINGOSTREAM_TOPIC_PREFIX: prefix }), logger, {
  role: "it-sink",
});
const admin = ctx.kafka.admin();
const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
const completions: { jobId: string; transcribedCount: number; failedCount: number; segmentCount: number }[] = [];
const reader = ctx.kafka.consumer({ groupId: `${prefix}reader` });
const running: RunningService[] = [];

const fastSink = (groupId: string): SinkOptions => ({
  groupId,
  flushRecords: 3,
  flushIntervalMs: 300,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1000,
  retryPolicy: { retries: 3, minDelayMs: 50, maxDelayMs: 500, factor: 2 },
});

/** testkit's waitFor with this file's argument order and pace. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000, everyMs = 500): Promise<T> => pollFor(probe, what, timeoutMs, everyMs);

const result = (jobId: string, index: number): SegmentTranscribed => transcribedEvent(tenant, jobId, index);
const deadLetter = (jobId: string, index: number): SegmentFailed => deadLetterEvent(tenant, jobId, index, { segmentsTopic: ctx.topics.segments, bucket: ctx.store.bucket });

function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Produces results one by one; returns where each landed. */
async function sendResults(values: SegmentTranscribed[]): Promise<{ partition: number; offset: bigint }[]> {
  const placed = [];
  for (const value of values) {
    const [meta] = await producer.send({ topic: ctx.topics.results, messages: [{ key: value.jobId, value: await ctx.serde.encode("results", value) }] });
    placed.push({ partition: meta?.partition ?? -1, offset: BigInt(meta?.baseOffset ?? "-1") });
  }
  return placed;
}

async function sendJobEvents(jobId: string, segmentCount: number): Promise<void> {
  const events = shuffle([
    jobEventValue("JobRequested", {
      tenant,
      jobId,
      source: `s3://media/${jobId}.mp4`,
      sourceName: `${jobId}.mp4`,
      language: "en",
      engine: "deterministic",
      producerId: "it",
      eventTime: 1,
    }),
    jobEventValue("JobSegmented", { tenant, jobId, segmentCount, durationSeconds: segmentCount * 5, producerId: "it", eventTime: 2 }),
  ]);
  for (const value of events) {
    await producer.send({ topic: ctx.topics.jobs, messages: [{ key: jobId, value: await ctx.serde.encode("jobs", value) }] });
  }
}

interface Transcript {
  jobId: string;
  words: { text: string; start: number }[];
  segments: { index: number }[];
  failedSegments: number[];
}

async function transcript(jobId: string): Promise<Transcript | undefined> {
  const key = `transcripts/${tenant}/${jobId}/transcript.json`;
  if (!(await ctx.store.exists(key))) return undefined;
  return JSON.parse((await ctx.store.get(key, 10_000_000)).toString("utf8")) as Transcript;
}

function expectClean(t: Transcript, segmentCount: number): void {
  const texts = t.words.map((w) => w.text);
  expect(new Set(texts).size).toBe(texts.length);
  expect(texts).toHaveLength(segmentCount * WORDS_PER_SEGMENT);
  const starts = t.words.map((w) => w.start);
  expect(starts).toEqual([...starts].sort((a, b) => a - b));
  expect(t.segments.map((s) => s.index)).toEqual(Array.from({ length: segmentCount }, (_, i) => i));
}

/** The group has committed every record of asr.results: what it read is durable. */
async function caughtUp(groupId: string): Promise<true | undefined> {
  const ends = await admin.fetchTopicOffsets(ctx.topics.results);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [ctx.topics.results] });
  for (const end of ends) {
    // An empty partition has nothing to commit (its committed offset stays -1).
    if (end.high === "0") continue;
    const c = committed?.partitions.find((p) => p.partition === end.partition);
    if (!c || BigInt(c.offset) < BigInt(end.high)) throw new Error(`partition ${end.partition}: committed ${c?.offset}, end ${end.high}`);
  }
  return true;
}

function completionsOf(jobId: string) {
  return completions.filter((c) => c.jobId === jobId);
}

beforeAll(async () => {
  // The stack may still be coming up: wait for each part rather than fail.
  await waitFor(
    "Kafka",
    async () => {
      await admin.connect();
      return (await admin.describeCluster()).brokers.length > 0 ? true : undefined;
    },
    150_000,
  );
  await waitFor("the schema registry", () => ctx.serde.registry.subjects(), 150_000);
  await waitFor(
    "S3",
    async () => {
      await ctx.store.ensureBucket();
      return true;
    },
    150_000,
  );
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: ctx.topics.results, numPartitions: 2 },
      { topic: ctx.topics.jobs, numPartitions: 2 },
      { topic: ctx.topics.segmentsFailed, numPartitions: 1 },
      { topic: ctx.topics.segments, numPartitions: 1 },
    ],
  });
  await producer.connect();
  await reader.connect();
  await reader.subscribe({ topic: ctx.topics.jobs, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      if (!message.value) return;
      const tagged = readJobEvent((await ctx.serde.decodeAs("jobs", message.value)).value);
      if (tagged.type === "JobCompleted") completions.push(tagged.event);
    },
  });
});

afterAll(async () => {
  for (const service of running) await service.stop().catch(() => {});
  await reader.disconnect().catch(() => {});
  await producer.disconnect().catch(() => {});
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 }).catch(() => {});
  await admin.disconnect().catch(() => {});
  for (const p of [`jobs/${tenant}/`, `transcripts/${tenant}/`, `archive/${prefix}`]) {
    for await (const o of ctx.store.list(p)) await ctx.store.delete(o.key);
  }
  for (const subject of (await ctx.serde.registry.subjects()).filter((s) => s.startsWith(prefix))) {
    await ctx.serde.registry.deleteSubject(subject, true).catch(() => {});
  }
  ctx.store.close();
});

describe("S3 sink on the local stack", () => {
  it("assembles shuffled and duplicated results into one transcript and announces JobCompleted", async () => {
    // Job A: 4 segments, shuffled, segment 2 delivered twice; plus garbage and a hostile id.
    const a = [0, 1, 2, 3].map((i) => result(jobA, i));
    await sendResults(shuffle([...a, result(jobA, 2)]));
    await producer.send({ topic: ctx.topics.results, messages: [{ key: "junk", value: Buffer.from("not avro at all") }] });
    await sendResults([{ ...result(jobA, 0), jobId: "../escape" }]);
    await sendJobEvents(jobA, 4);
    // Job B: segment 1 fails for now.
    await sendResults(shuffle([0, 2].map((i) => result(jobB, i))));
    await producer.send({ topic: ctx.topics.segmentsFailed, messages: [{ key: `${jobB}/1`, value: await ctx.serde.encode("segmentsFailed", deadLetter(jobB, 1)) }] });
    await sendJobEvents(jobB, 3);

    running.push(await startS3Sink(ctx, fastSink(`${prefix}sink`)));

    const t = await waitFor("job A's transcript", () => transcript(jobA));
    expectClean(t, 4);
    for (const ext of ["srt", "vtt"]) expect(await ctx.store.exists(`transcripts/${tenant}/${jobA}/transcript.${ext}`)).toBe(true);
    const vtt = (await ctx.store.get(`transcripts/${tenant}/${jobA}/transcript.vtt`, 1e6)).toString("utf8");
    expect(vtt.startsWith("WEBVTT\n\n00:00:00.000 --> ")).toBe(true);
    await waitFor("JobCompleted for job A", async () => completionsOf(jobA)[0]);
    expect(completionsOf(jobA)).toEqual([
      expect.objectContaining({
        segmentCount: 4,
        transcribedCount: 4,
        failedCount: 0,
        transcriptKeys: {
          json: `transcripts/${tenant}/${jobA}/transcript.json`,
          srt: `transcripts/${tenant}/${jobA}/transcript.srt`,
          vtt: `transcripts/${tenant}/${jobA}/transcript.vtt`,
        },
      }),
    ]);

    const b = await waitFor("job B's transcript", () => transcript(jobB));
    expect(b.failedSegments).toEqual([1]);
    await waitFor("JobCompleted for job B", async () => completionsOf(jobB)[0]);
    expect(completionsOf(jobB)[0]).toMatchObject({ transcribedCount: 2, failedCount: 1 });

    const bad = await ctx.metrics.getSingleMetric("lingostream_sink_bad_records_total")?.get();
    const reasons = (bad?.values ?? []).filter((v) => v.labels.topic === ctx.topics.results).map((v) => v.labels.reason);
    expect(reasons).toEqual(expect.arrayContaining(["invalid-id"]));
    expect(reasons.length).toBeGreaterThanOrEqual(2);
    expect(await ctx.store.exists(`jobs/${tenant}/../escape/segments/000000.json`)).toBe(false);
  });

  it("re-assembles a job whole when its failed segment is replayed successfully", async () => {
    await sendResults([result(jobB, 1)]);
    await waitFor("a second JobCompleted for job B", async () => completionsOf(jobB)[1]);
    expect(completionsOf(jobB)[1]).toMatchObject({ transcribedCount: 3, failedCount: 0 });
    const b = await transcript(jobB);
    expect(b?.failedSegments).toEqual([]);
    expectClean(b as Transcript, 3);
    expect(await ctx.store.exists(`jobs/${tenant}/${jobB}/failed/000001.json`)).toBe(false);
  });

  it("stays free of duplicates after a restart that re-reads everything", async () => {
    await waitFor("the first sink to commit all results", () => caughtUp(`${prefix}sink`));
    await running.pop()?.stop();

    // Re-deliver: the same results again, and a new group that reads every topic from the start.
    await sendResults([0, 1, 2, 3].map((i) => result(jobA, i)));
    const before = completions.length;
    running.push(await startS3Sink(ctx, fastSink(`${prefix}sink-again`)));
    await waitFor("the restarted sink to commit all results", () => caughtUp(`${prefix}sink-again`));

    expectClean((await transcript(jobA)) as Transcript, 4);
    expectClean((await transcript(jobB)) as Transcript, 3);
    // Unchanged transcripts are not announced again.
    await sleep(2_000);
    expect(completions.length).toBe(before);
    expect(completionsOf(jobA)).toHaveLength(1);
    const segments = [];
    for await (const o of ctx.store.list(`jobs/${tenant}/${jobA}/segments/`)) segments.push(o.key);
    expect(segments).toHaveLength(4);
    await running.pop()?.stop();
  });

  it("pauses and commits nothing while S3 is down, then catches up when it is back", async () => {
    // A sink of its own whose S3 client fails every call while `outage` is set,
    // in front of the real server: the closest to pulling the plug on S3.
    while (running.length > 0) await running.pop()?.stop();
    const sinkCtx = createServiceContext(ctx.config, logger, { role: "it-sink-outage" });
    let outage = true;
    sinkCtx.store.client.middlewareStack.add(
      (next) => async (args) => {
        if (outage) throw Object.assign(new Error("connect ECONNREFUSED (simulated outage)"), { name: "TimeoutError" });
        return next(args);
      },
      { step: "initialize", name: "itSimulatedOutage" },
    );
    const jobC = `job-c-${run}`;
    const [firstC] = await sendResults([0, 1].map((i) => result(jobC, i)));
    await sendJobEvents(jobC, 2);
    const groupId = `${prefix}sink-outage`;
    running.push(await startS3Sink(sinkCtx, fastSink(groupId)));

    const paused = await waitFor("a paused partition", async () => {
      const gauge = await sinkCtx.metrics.getSingleMetric("lingostream_sink_paused_partitions")?.get();
      return (gauge?.values[0]?.value ?? 0) > 0 ? true : undefined;
    });
    expect(paused).toBe(true);
    await sleep(3_000);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [ctx.topics.results] });
    const c = committed?.partitions.find((p) => p.partition === firstC?.partition);
    // Nothing could be written, so the commit has not passed job C's results. (A
    // partition may move past leading bad records: they need no write.)
    expect(BigInt(c?.offset ?? "-1")).toBeLessThanOrEqual(firstC?.offset ?? -1n);
    expect(await transcript(jobC)).toBeUndefined();

    outage = false;
    const t = await waitFor("job C's transcript after the outage", () => transcript(jobC));
    expectClean(t, 2);
    await waitFor("the sink to catch up after the outage", () => caughtUp(groupId));
    await waitFor("JobCompleted for job C", async () => completionsOf(jobC)[0]);
    expect(completionsOf(jobC)).toHaveLength(1);
    await running.pop()?.stop();
    sinkCtx.store.close();
  });

  it("pauses an asr.jobs partition while the schema registry is out, then resumes it and records what it holds", async () => {
    // asr.jobs has no buffer to write: its pause lasts only as long as reading fails.
    while (running.length > 0) await running.pop()?.stop();
    const sinkCtx = createServiceContext(ctx.config, logger, { role: "it-sink-registry-outage" });
    let outage = true;
    const decodeAs = sinkCtx.serde.decodeAs.bind(sinkCtx.serde);
    sinkCtx.serde.decodeAs = (async (topicKey, bytes) => {
      if (outage && topicKey === "jobs") throw new SerdeError("registry-unavailable", "schema registry unreachable (simulated outage)");
      return decodeAs(topicKey, bytes);
    }) as typeof sinkCtx.serde.decodeAs;
    const jobD = `job-d-${run}`;
    await sendJobEvents(jobD, 1);
    running.push(await startS3Sink(sinkCtx, fastSink(`${prefix}sink-registry-outage`)));
    const gauge = sinkCtx.metrics.getSingleMetric("lingostream_sink_paused_partitions") as Gauge;
    const pausedGauge = async () => (await gauge.get()).values[0]?.value ?? 0;
    // Each pause lasts only until the next read is due (tens of ms while the backoff
    // is short), too brief to catch by polling: every value the gauge is set to counts.
    let mostPaused = 0;
    const set = gauge.set.bind(gauge) as (...args: unknown[]) => void;
    gauge.set = ((...args: unknown[]) => {
      const value = args.at(-1);
      if (typeof value === "number") mostPaused = Math.max(mostPaused, value);
      set(...args);
    }) as typeof gauge.set;

    await waitFor("a paused asr.jobs partition", async () => (mostPaused > 0 ? true : undefined));
    // A retriable failure is not a bad record: nothing of the job was skipped past.
    expect(await ctx.store.exists(requestedKey({ tenant, jobId: jobD }))).toBe(false);

    outage = false;
    await waitFor("job D's request recorded after the outage", async () => ((await ctx.store.exists(requestedKey({ tenant, jobId: jobD }))) ? true : undefined));
    await waitFor("no partition paused", async () => ((await pausedGauge()) === 0 ? true : undefined));
    await running.pop()?.stop();
    sinkCtx.store.close();
  });
});
