// Child side of memory-flatness and the sink's MB/s: one pipeline worker (the
// ASR processor or the S3 sink) against topics seeded by the parent, run until
// it has handled all of them, with its RSS recorded as it goes.

import { setTimeout as sleep } from "node:timers/promises";
import { asrSpec, startAsrProcessor } from "@lingostream/asr";
import { connectionSpec, createLogger, createServiceContext, loadConfig, type ServiceContext } from "@lingostream/runtime";
import { loadSinkConfig, startS3Sink } from "@lingostream/sink-s3";
import { metricTotal } from "../fixtures/metrics.ts";
import { WordyEngine } from "../fixtures/wordy-engine.ts";

export interface WorkerProbeResult {
  handled: number;
  failed: number;
  /** From the service's start to its last piece of work, s. */
  seconds: number;
  /** From the first record handled to the last piece of work, s (excludes the group join). */
  activeSeconds: number;
  /** [work handled so far, RSS bytes]. */
  timeline: [number, number][];
  /** Bytes the worker wrote to S3. */
  bytesWritten: number;
  /** Sink only: the sum of its flush durations (write, complete jobs, commit), s. */
  writingSeconds: number;
}

function workerContext(role: string): ServiceContext {
  const config = loadConfig(connectionSpec, process.env);
  return createServiceContext(config, createLogger({ level: "error", name: role }), { role });
}

/** Counts what the worker writes to S3, without changing what it writes. */
function countPuts(ctx: ServiceContext): () => number {
  let bytes = 0;
  const put = ctx.store.put.bind(ctx.store);
  ctx.store.put = async (key, body, contentType) => {
    const stored = await put(key, body, contentType);
    bytes += stored.byteSize;
    return stored;
  };
  return () => bytes;
}

export async function runProcessorProbe(args: { segments: number; sampleEvery: number }): Promise<WorkerProbeResult> {
  const ctx = workerContext("bench-asr");
  const written = countPuts(ctx);
  const timeline: [number, number][] = [[0, process.memoryUsage.rss()]];
  let settled = 0;
  let failed = 0;
  let firstAt = 0;
  let lastAt = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const started = performance.now();
  const processor = await startAsrProcessor(ctx, {
    config: loadConfig(asrSpec, process.env),
    engineFactory: () => new WordyEngine(),
    onSettled: (outcome) => {
      settled++;
      if (!outcome.ok) failed++;
      lastAt = performance.now();
      if (settled === 1) firstAt = lastAt;
      if (settled % args.sampleEvery === 0 || settled === args.segments) timeline.push([settled, process.memoryUsage.rss()]);
      if (settled >= args.segments) finish();
    },
  });
  try {
    await finished;
  } finally {
    await processor.stop();
    ctx.store.close();
  }
  return { handled: settled, failed, seconds: (lastAt - started) / 1000, activeSeconds: (lastAt - firstAt) / 1000, timeline, bytesWritten: written(), writingSeconds: 0 };
}

export async function runSinkProbe(args: { sampleMs: number }): Promise<WorkerProbeResult> {
  const ctx = workerContext("bench-sink");
  const written = countPuts(ctx);
  const timeline: [number, number][] = [[0, process.memoryUsage.rss()]];
  const started = performance.now();
  const sink = await startS3Sink(ctx, loadSinkConfig(process.env));
  let handled = 0;
  let firstAt = 0;
  try {
    for (;;) {
      await sleep(args.sampleMs);
      handled = await metricTotal(ctx.metrics, "lingostream_sink_records_total", { topic: ctx.topics.results });
      if (handled > 0 && firstAt === 0) firstAt = performance.now();
      timeline.push([handled, process.memoryUsage.rss()]);
      // JobCompleted is produced after the transcripts are written: the job is through the sink.
      if ((await metricTotal(ctx.metrics, "lingostream_sink_jobs_completed_total")) >= 1) break;
    }
  } finally {
    await sink.stop();
    ctx.store.close();
  }
  const done = performance.now();
  const writingSeconds = await metricTotal(ctx.metrics, "lingostream_sink_flush_duration_seconds");
  return { handled, failed: 0, seconds: (done - started) / 1000, activeSeconds: (done - firstAt) / 1000, timeline, bytesWritten: written(), writingSeconds };
}
