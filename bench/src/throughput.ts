// throughput: segments per second end to end with the deterministic engine,
// against raw kafkajs moving payloads of the same sizes through the same broker
// over the same two hops; and the S3 sink's write rate.

import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { ObjectStore, ServiceContext } from "@lingostream/runtime";
import { createStackContext } from "@lingostream/testkit";
import type { Kafka } from "kafkajs";
import { SEGMENT_PCM_BYTES } from "./fixtures/audio.ts";
import { readPipelineTimes } from "./fixtures/event-times.ts";
import { audioSegmentEvent, deleteObjects, produceAll, produceJobEvent, segmentTranscribedEvent, sinkPrefixes, tenantPrefixes } from "./fixtures/events.ts";
import { ensurePatternMedia } from "./fixtures/media.ts";
import { runProbe } from "./probe-runner.ts";
import type { WorkerProbeResult } from "./probes/pipeline-workers.ts";
import { type BenchContext, type Benchmark, type BenchmarkOutcome, type PipelineHooks, type Row, ratio } from "./report.ts";
import { formatBytes } from "./summary.ts";

export interface ThroughputOptions {
  /** Length of the generated media in 30 s segments. */
  segments: number;
  /** Results the sink drains in the MiB/s measurement. */
  sinkResults: number;
}

export const THROUGHPUT_FULL: ThroughputOptions = { segments: 120, sinkResults: 500 };
export const THROUGHPUT_QUICK: ThroughputOptions = { segments: 16, sinkResults: 60 };

const GOAL = 0.5;
/** The deterministic engine's one word per second. */
const WORDS_PER_SEGMENT = 30;

export const throughputBenchmark: Benchmark = {
  name: "throughput",
  title: "segments/s end to end vs raw kafkajs; sink MiB/s into S3",
  run: (ctx) => runThroughput(ctx, ctx.quick ? THROUGHPUT_QUICK : THROUGHPUT_FULL),
};

export async function runThroughput(ctx: BenchContext, options: ThroughputOptions): Promise<BenchmarkOutcome> {
  const hooks = ctx.pipeline;
  if (!hooks) throw new Error("throughput needs the in-process pipeline: run it through `lingostream bench`");
  const media = await ensurePatternMedia(ctx.cacheDir, options.segments * 30);
  const pipeline = await runPipeline(ctx, hooks, media);
  ctx.log(
    `pipeline: ${pipeline.segments} segments, JobRequested → JobCompleted ${pipeline.pipelineSeconds.toFixed(1)} s = ${(pipeline.segments / pipeline.pipelineSeconds).toFixed(2)} segments/s (transcribe call ${pipeline.seconds.toFixed(1)} s)`,
  );
  ctx.log(
    `pipeline stages: first segment after ${pipeline.firstSegmentSeconds.toFixed(1)} s, segments over ${pipeline.segmentingSeconds.toFixed(1)} s, last result ${pipeline.asrTrailSeconds.toFixed(1)} s after the last segment, JobCompleted ${pipeline.sinkTailSeconds.toFixed(1)} s after it`,
  );

  const stack = await createStackContext("bench-raw", { partitions: 2 });
  let raw: { eventsOnly: RawRun; withAudio: RawRun; claimCheck: RawRun; sizes: { segmentEvent: number; resultEvent: number; audio: number } };
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
    const claimCheck = await rawTwoHops(stack.ctx.kafka, stack.prefix, "claim", pipeline.segments, sizes.segmentEvent, sizes.resultEvent, {
      store: stack.ctx.store,
      bytes: sizes.audio,
    });
    ctx.log(`raw kafkajs + S3 claim check (PUT ${formatBytes(sizes.audio)}, ${sizes.segmentEvent} B → GET, ${sizes.resultEvent} B): ${(pipeline.segments / claimCheck.seconds).toFixed(1)} segments/s`);
    raw = { eventsOnly, withAudio, claimCheck, sizes };
  } finally {
    await stack.cleanup();
  }

  const sink = await drainSink(options.sinkResults);
  const sinkMBps = sink.bytesWritten / 2 ** 20 / sink.activeSeconds;
  const writingMBps = sink.bytesWritten / 2 ** 20 / sink.writingSeconds;
  ctx.log(`sink: ${sink.handled} results, ${formatBytes(sink.bytesWritten)} written; ${sinkMBps.toFixed(2)} MiB/s from first record to JobCompleted, ${writingMBps.toFixed(2)} MiB/s while writing`);

  const rate = pipeline.segments / pipeline.pipelineSeconds;
  const rows: Row[] = [];
  for (const [label, run] of [
    ["raw kafkajs, same event payloads", raw.eventsOnly],
    ["raw kafkajs, audio carried in the payload", raw.withAudio],
    ["raw kafkajs + S3 claim check of the audio", raw.claimCheck],
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
  rows.push(
    {
      what: "segments/s while results flow (first → last SegmentTranscribed), vs raw kafkajs + S3 claim check",
      baseline: { label: "raw + S3", value: pipeline.segments / raw.claimCheck.seconds, unit: "segments/s" },
      subject: { label: "pipeline", value: (pipeline.segments - 1) / pipeline.transcribingSeconds, unit: "segments/s" },
      ratio: ratio((pipeline.segments - 1) / pipeline.transcribingSeconds, pipeline.segments / raw.claimCheck.seconds),
    },
    {
      what: `segments/s end to end, \`transcribe\` call wall time`,
      subject: { label: "transcribe", value: pipeline.segments / pipeline.seconds, unit: "segments/s" },
    },
    {
      what: `S3 sink write rate while writing (flush time), ${sink.handled} results of ~75 words`,
      subject: { label: "sink", value: writingMBps, unit: "MiB/s" },
    },
    {
      what: "S3 sink write rate, first record to JobCompleted",
      subject: { label: "sink", value: sinkMBps, unit: "MiB/s" },
    },
    {
      what: "S3 sink results per second, first record to JobCompleted",
      subject: { label: "sink", value: sink.handled / sink.activeSeconds, unit: "results/s" },
    },
  );
  const notes = [
    `Pipeline: ${pipeline.segments} segments (${(pipeline.segments * 30) / 60} min of generated opus) through segmenter → S3 → ASR (deterministic engine) → sink → transcripts, every worker in this process as \`lingostream transcribe\` runs them (default configuration, 2 partitions), started before timing. End to end = JobRequested → JobCompleted by the events' own times (${((pipeline.segments * 30) / pipeline.pipelineSeconds).toFixed(0)}x real time); it includes the sink's 5 s flush interval at the tail. Within it: ${pipeline.firstSegmentSeconds.toFixed(1)} s to the first segment, the segmenter emitted segments over ${pipeline.segmentingSeconds.toFixed(1)} s and the processor its results over ${pipeline.transcribingSeconds.toFixed(1)} s, its last ${pipeline.asrTrailSeconds.toFixed(1)} s after the last segment, then ${pipeline.sinkTailSeconds.toFixed(1)} s to JobCompleted.`,
    `Raw: kafkajs alone over the same two hops (producer → topic → consumer that produces a result-sized message → topic → consumer), one awaited send per message with acks=all and an idempotent producer as the workers use; consumers joined before timing, as the pipeline's workers are. Payloads: segment event ${raw.sizes.segmentEvent} B and result event ${raw.sizes.resultEvent} B (Avro as the pipeline encodes them, ${WORDS_PER_SEGMENT} words); the second raw run adds the ${formatBytes(raw.sizes.audio)} WAV to the first hop's payload; the third moves it as the pipeline does, PUT to S3 before the first hop and GET after it (no decode, no hashing, no transcription, no sink). The third is the pipeline's own transport, so its ratio is the pipeline's overhead proper.`,
    `Sink: a fresh S3 sink (its own process, default config) drains a backlog of ${sink.handled} results of one job and assembles its transcript; MiB/s = bytes it PUT into S3 (per-segment objects, archive batches, job files, transcripts: ${formatBytes(sink.bytesWritten)}) over the sum of its flush durations (write, assemble, commit: ${sink.writingSeconds.toFixed(1)} s), and over first record to JobCompleted (${sink.activeSeconds.toFixed(1)} s, which adds waiting for the flush interval).`,
  ];
  return { rows, notes, details: { options, pipeline, raw, sink } };
}

interface PipelineRun {
  /** Wall time of the `transcribe` call. */
  seconds: number;
  /** JobRequested → JobCompleted, by the events' own times. */
  pipelineSeconds: number;
  /** First to last AudioSegment, and first to last SegmentTranscribed. */
  segmentingSeconds: number;
  transcribingSeconds: number;
  /** Where the rest of JobRequested → JobCompleted goes: to the first AudioSegment (probe, first cut and upload), last AudioSegment to last SegmentTranscribed (the ASR trailing the segmenter), last SegmentTranscribed to JobCompleted (the sink's flush wait and transcript). */
  firstSegmentSeconds: number;
  asrTrailSeconds: number;
  sinkTailSeconds: number;
  segments: number;
}

async function runPipeline(ctx: BenchContext, hooks: PipelineHooks, media: string): Promise<PipelineRun> {
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
    const t = await readPipelineTimes(stack.ctx);
    const span = (xs: number[]) => ((xs.at(-1) ?? 0) - (xs[0] ?? 0)) / 1000;
    return {
      seconds,
      pipelineSeconds: (t.completed - t.requested) / 1000,
      segmentingSeconds: span(t.segments),
      transcribingSeconds: span(t.results),
      firstSegmentSeconds: ((t.segments[0] ?? t.requested) - t.requested) / 1000,
      asrTrailSeconds: ((t.results.at(-1) ?? 0) - (t.segments.at(-1) ?? 0)) / 1000,
      sinkTailSeconds: (t.completed - (t.results.at(-1) ?? t.completed)) / 1000,
      segments: transcript.segments.length,
    };
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

/**
 * producer → A → relay consumer producing to B → counting consumer, timed from
 * the first send to the last receipt. With a claim check, the producer first
 * PUTs `claimCheckBytes` to S3 and the relay GETs them back, as the pipeline does.
 */
async function rawTwoHops(
  kafka: Kafka,
  prefix: string,
  tag: string,
  count: number,
  firstBytes: number,
  secondBytes: number,
  claimCheck?: { store: ObjectStore; bytes: number },
): Promise<RawRun> {
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
    const audio = claimCheck ? randomBytes(claimCheck.bytes) : undefined;
    const objectKey = (i: number | string) => `bench/${prefix}raw-${tag}/${i}`;
    await relay.run({
      eachMessage: async ({ message }) => {
        if (claimCheck) await claimCheck.store.get(objectKey(String(message.key)), claimCheck.bytes);
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
    for (let i = 0; i < count; i++) {
      if (claimCheck && audio) await claimCheck.store.put(objectKey(i), audio, "audio/wav");
      await producer.send({ topic: topicA, acks: -1, messages: [{ key: String(i), value: first }] });
    }
    await finished;
    return { seconds: (performance.now() - started) / 1000 };
  } finally {
    await Promise.allSettled([relay.disconnect(), counter.disconnect(), producer.disconnect(), relayProducer.disconnect()]);
    if (claimCheck) await deleteObjects(claimCheck.store, [`bench/${prefix}raw-${tag}/`]);
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
