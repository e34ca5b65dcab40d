// throughput: segments per second end to end with the deterministic engine,
// against raw kafkajs moving payloads of the same sizes through the same broker
// over the same two hops; and the S3 sink's write rate.

import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Kafka } from "kafkajs";
import type { ServiceContext } from "@lingostream/runtime";
import { createStackContext } from "@lingostream/testkit";
import { SEGMENT_PCM_BYTES } from "./fixtures/audio.ts";
import { audioSegmentEvent, deleteObjects, produceAll, produceJobEvent, segmentTranscribedEvent, sinkPrefixes } from "./fixtures/events.ts";
import { ensurePatternMedia } from "./fixtures/media.ts";
import { tenantPrefixes } from "./overhead.ts";
import { runProbe } from "./probe-runner.ts";
import type { WorkerProbeResult } from "./probes/pipeline-workers.ts";
import { ratio, type BenchContext, type Benchmark, type BenchmarkOutcome, type PipelineHooks, type Row } from "./report.ts";
import { formatBytes } from "./summary.ts";

export interface ThroughputOptions {
  /** Length of the generated media in 30 s segments. */
  segments: number;
  /** Results the sink drains in the MB/s measurement. */
  sinkResults: number;
}

export const THROUGHPUT_FULL: ThroughputOptions = { segments: 120, sinkResults: 500 };
export const THROUGHPUT_QUICK: ThroughputOptions = { segments: 16, sinkResults: 60 };

const GOAL = 0.5;
/** The deterministic engine's one word per second. */
const WORDS_PER_SEGMENT = 30;

export const throughputBenchmark: Benchmark = {
  name: "throughput",
  title: "segments/s end to end vs raw kafkajs; sink MB/s into S3",
  run: (ctx) => runThroughput(ctx, ctx.quick ? THROUGHPUT_QUICK : THROUGHPUT_FULL),
};

export async function runThroughput(ctx: BenchContext, options: ThroughputOptions): Promise<BenchmarkOutcome> {
  const hooks = ctx.pipeline;
  if (!hooks) throw new Error("throughput needs the in-process pipeline: run it through `lingostream bench`");
  const media = await ensurePatternMedia(ctx.cacheDir, options.segments * 30);
  const pipeline = await runPipeline(ctx, hooks, media);
  ctx.log(`pipeline: ${pipeline.segments} segments in ${pipeline.seconds.toFixed(1)} s = ${(pipeline.segments / pipeline.seconds).toFixed(2)} segments/s`);

  const stack = await createStackContext("bench-raw", { partitions: 2 });
  let raw: { eventsOnly: RawRun; withAudio: RawRun; sizes: { segmentEvent: number; resultEvent: number; audio: number } };
  try {
    const sizes = {
      segmentEvent: await encodedSize(stack.ctx, "segments"),
      resultEvent: await encodedSize(stack.ctx, "results"),
      audio: SEGMENT_PCM_BYTES + 44,
    };
    const eventsOnly = await rawTwoHops(stack.ctx.kafka, stack.prefix, "events", pipeline.segments, sizes.segmentEvent, sizes.resultEvent);
    ctx.log(`raw kafkajs, event payloads (${sizes.segmentEvent} B → ${sizes.resultEvent} B): ${(pipeline.segments / eventsOnly.seconds).toFixed(1)} segments/s`);
    const withAudio = await rawTwoHops(stack.ctx.kafka, stack.prefix, "audio", pipeline.segments, sizes.segmentEvent + sizes.audio, sizes.resultEvent);
    ctx.log(`raw kafkajs, audio in the payload (${formatBytes(sizes.segmentEvent + sizes.audio)} → ${sizes.resultEvent} B): ${(pipeline.segments / withAudio.seconds).toFixed(1)} segments/s`);
    raw = { eventsOnly, withAudio, sizes };
  } finally {
    await stack.cleanup();
  }

  const sink = await drainSink(options.sinkResults);
  const sinkMBps = sink.bytesWritten / 2 ** 20 / sink.activeSeconds;
  ctx.log(`sink: ${sink.handled} results, ${formatBytes(sink.bytesWritten)} written in ${sink.activeSeconds.toFixed(1)} s = ${sinkMBps.toFixed(2)} MB/s`);

  const rate = pipeline.segments / pipeline.seconds;
  const rows: Row[] = [];
  for (const [label, run] of [
    ["raw kafkajs, same event payloads", raw.eventsOnly],
    ["raw kafkajs, audio carried in the payload", raw.withAudio],
  ] as const) {
    const rawRate = pipeline.segments / run.seconds;
    const r = ratio(rate, rawRate);
    rows.push({
      what: `segments/s end to end vs ${label}`,
      baseline: { label, value: rawRate, unit: "segments/s" },
      subject: { label: "pipeline", value: rate, unit: "segments/s" },
      ratio: r,
      goal: `≥ ${GOAL}`,
      met: r >= GOAL,
    });
  }
  rows.push({
    what: `S3 sink write rate, draining ${sink.handled} results of ~75 words`,
    subject: { label: "sink", value: sinkMBps, unit: "MB/s" },
  });
  rows.push({
    what: "S3 sink results per second",
    subject: { label: "sink", value: sink.handled / sink.activeSeconds, unit: "results/s" },
  });
  const notes = [
    `Pipeline: ${pipeline.segments} segments (${(pipeline.segments * 30) / 60} min of generated opus) through segmenter → S3 → ASR (deterministic engine) → sink → transcripts, every worker in this process as \`lingostream transcribe\` runs them, timed from submission to transcripts written; ${(pipeline.segments * 30 / pipeline.seconds).toFixed(0)}x real time.`,
    `Raw: kafkajs alone over the same two hops (producer → topic → consumer that produces a result-sized message → topic → consumer), one awaited send per message with acks=all and an idempotent producer as the workers use; consumers joined before timing, as the pipeline's workers are. Payloads: segment event ${raw.sizes.segmentEvent} B and result event ${raw.sizes.resultEvent} B (Avro as the pipeline encodes them, ${WORDS_PER_SEGMENT} words); the second raw run adds the ${formatBytes(raw.sizes.audio)} WAV to the first hop, which the pipeline moves through S3 instead.`,
    `Sink: a fresh S3 sink (its own process, default config) drains a backlog of ${sink.handled} results of one job and assembles its transcript; MB/s = bytes it PUT into S3 (per-segment objects, archive batches, job files, transcripts) over the time from its first record to JobCompleted.`,
  ];
  return { rows, notes, details: { options, pipeline, raw, sink } };
}

async function runPipeline(ctx: BenchContext, hooks: PipelineHooks, media: string): Promise<{ seconds: number; segments: number }> {
  const stack = await createStackContext("bench-throughput", { partitions: 2, env: { LINGOSTREAM_ASR_ENGINE: "deterministic" } });
  const tenant = `bench${randomBytes(3).toString("hex")}`;
  const out = await mkdtemp(join(ctx.cacheDir, "throughput-out-"));
  const workers = await hooks.startWorkers(stack.ctx, stack.env);
  try {
    const started = performance.now();
    const code = await hooks.transcribe([media], { out, language: "en", engine: "deterministic", tenant }, { ...stack.env, KAFKA_BROKERS: stack.ctx.config.kafkaBrokers.join(",") });
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`transcribe exited ${code}`);
    const name = basename(media).replace(/\.[^.]+$/, "");
    const transcript = JSON.parse(await readFile(join(out, `${name}.json`), "utf8")) as { segments: unknown[] };
    return { seconds, segments: transcript.segments.length };
  } finally {
    await workers.stop();
    await deleteObjects(stack.ctx.store, [...tenantPrefixes(tenant), `archive/${stack.ctx.topics.results}/`]);
    await stack.cleanup();
    await rm(out, { recursive: true, force: true });
  }
}

async function encodedSize(ctx: ServiceContext, topicKey: "segments" | "results"): Promise<number> {
  await ctx.serde.register(topicKey);
  const audio = { key: "segments/bench/job/000000.wav", byteSize: SEGMENT_PCM_BYTES + 44, sha256: "0".repeat(64) };
  const value = topicKey === "segments" ? audioSegmentEvent(ctx, "bench-job-0000000000", 0, audio, "deterministic") : segmentTranscribedEvent(ctx, "bench-job-0000000000", 0, WORDS_PER_SEGMENT);
  return (await ctx.serde.encode(topicKey, value as never)).byteLength;
}

interface RawRun {
  seconds: number;
}

/** producer → A → relay consumer producing to B → counting consumer, timed from the first send to the last receipt. */
async function rawTwoHops(kafka: Kafka, prefix: string, tag: string, count: number, firstBytes: number, secondBytes: number): Promise<RawRun> {
  const topicA = `${prefix}raw-${tag}.a`;
  const topicB = `${prefix}raw-${tag}.b`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [topicA, topicB].map((topic) => ({ topic, numPartitions: 2, configEntries: [{ name: "max.message.bytes", value: String(4 * 2 ** 20) }] })),
    });
  } finally {
    await admin.disconnect();
  }
  const first = randomBytes(firstBytes);
  const second = randomBytes(secondBytes);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const relayProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const relay = kafka.consumer({ groupId: `${prefix}raw-${tag}-relay`, maxBytesPerPartition: 8 * 2 ** 20 });
  const counter = kafka.consumer({ groupId: `${prefix}raw-${tag}-count` });
  let received = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const joined = (c: typeof relay) => new Promise<void>((resolve) => c.on(c.events.GROUP_JOIN, () => resolve()));
  try {
    await Promise.all([producer.connect(), relayProducer.connect(), relay.connect(), counter.connect()]);
    await relay.subscribe({ topic: topicA, fromBeginning: true });
    await counter.subscribe({ topic: topicB, fromBeginning: true });
    const relayJoined = joined(relay);
    const counterJoined = joined(counter);
    await relay.run({
      eachMessage: async ({ message }) => {
        await relayProducer.send({ topic: topicB, acks: -1, messages: [{ key: message.key, value: second }] });
      },
    });
    await counter.run({
      eachMessage: async () => {
        if (++received === count) done();
      },
    });
    await Promise.all([relayJoined, counterJoined]);
    const started = performance.now();
    for (let i = 0; i < count; i++) await producer.send({ topic: topicA, acks: -1, messages: [{ key: `segment-${i}`, value: first }] });
    await finished;
    return { seconds: (performance.now() - started) / 1000 };
  } finally {
    await Promise.allSettled([relay.disconnect(), counter.disconnect(), producer.disconnect(), relayProducer.disconnect()]);
  }
}

/** A fresh sink, in its own process, drains a seeded backlog of one job's results. */
async function drainSink(results: number): Promise<WorkerProbeResult> {
  const stack = await createStackContext("bench-sink", { partitions: 2 });
  const jobId = `sink-${results}-${randomBytes(3).toString("hex")}`;
  try {
    await produceJobEvent(stack.ctx, jobId, "requested", results);
    await produceAll(stack.ctx, "results", results, (i) => segmentTranscribedEvent(stack.ctx, jobId, i, 75), () => jobId);
    await produceJobEvent(stack.ctx, jobId, "segmented", results);
    return (await runProbe<WorkerProbeResult>("sink", { sampleMs: 100 }, { env: stack.env })).value;
  } finally {
    await deleteObjects(stack.ctx.store, sinkPrefixes(jobId, stack.ctx.topics.results));
    await stack.cleanup();
  }
}
