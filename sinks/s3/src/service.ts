// The S3 sink service: builds the task (the Kafka lifecycle, task.ts) with its
// storage, consumer and producer, starts it, and hands back how to stop it.

import type { RunningService, ServiceContext } from "@lingostream/runtime";
import { resolveSinkOptions, type SinkOptions } from "./config.ts";
import { createSinkMetrics } from "./metrics.ts";
import { createS3Storage } from "./storage.ts";
import { SinkTask } from "./task.ts";

export async function startS3Sink(ctx: ServiceContext, options: SinkOptions = {}): Promise<RunningService> {
  const opts = resolveSinkOptions(options);
  const logger = ctx.logger.child({ component: "sink-s3" });
  const metrics = createSinkMetrics(ctx.metrics);
  const abort = new AbortController();
  const storage = createS3Storage(ctx.store, { retryPolicy: opts.retryPolicy, logger, signal: abort.signal });
  const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const consumer = ctx.kafka.consumer({
    groupId: opts.groupId,
    sessionTimeout: opts.sessionTimeoutMs,
    heartbeatInterval: opts.heartbeatIntervalMs,
    allowAutoTopicCreation: false,
  });
  const task = new SinkTask(ctx, opts, logger, metrics, storage, consumer, producer, abort);
  await producer.connect();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [ctx.topics.results, ctx.topics.jobs, ctx.topics.segmentsFailed], fromBeginning: opts.fromBeginning });
    await task.run();
  } catch (err) {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    throw err;
  }
  logger.info({ groupId: opts.groupId, topics: [ctx.topics.results, ctx.topics.jobs, ctx.topics.segmentsFailed] }, "S3 sink started");
  return {
    name: "sink-s3",
    done: task.done,
    stop: () => task.stop(),
  };
}
