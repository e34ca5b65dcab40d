// The segmenter service: a consumer group on asr.jobs that segments each
// JobRequested. Segmenting a long file outlasts a Kafka session, so it beats
// the group heartbeat while it works, and commits the job's offset only after
// JobSegmented is durable.

import {
  appendJobEvent,
  assertValidId,
  type Backpressure,
  commitThrough,
  consumerStop,
  fullSpeed,
  type Logger,
  type RetryPolicy,
  type RunningService,
  readableMediaInput,
  retry,
  type ServiceContext,
  withHeartbeat,
} from "@lingostream/runtime";
import { type JobRequested, readJobEvent } from "@lingostream/schemas";
import type { EachBatchPayload } from "kafkajs";
import { AsrLookAhead, LAG_CHECK_RETRY } from "./asr-look-ahead.ts";
import type { SegmenterConfig } from "./config.ts";
import { describeSegmenterFailure } from "./failure.ts";
import { DEFAULT_LOOK_AHEAD_TIMING } from "./look-ahead.ts";
import { createSegmenterMetrics } from "./metrics.ts";
import { segmentJob } from "./segment-job.ts";
import { isSegmenterError } from "./segmenter-error.ts";
import { assertSourceAllowed } from "./source-policy.ts";

/**
 * Remote media that fails to probe or decode may be a network blip or a bad
 * file (ffmpeg cannot tell them apart over HTTP). A few tries settle it; then
 * the job fails instead of holding its partition of asr.jobs for good.
 */
const MEDIA_ATTEMPTS = 3;
const MEDIA_RETRY: RetryPolicy = { retries: MEDIA_ATTEMPTS - 1, minDelayMs: 500, maxDelayMs: 5000, factor: 2 };

/** The group heartbeat, kept beating while a job is segmented: a tenth of the session timeout. */
const HEARTBEAT_INTERVAL_MS = 3000;

/**
 * How often the ASR group's lag is read: two admin requests each time, cheap
 * beside a segment, and a few seconds of cutting is small beside the bound.
 */
const LAG_CHECK_EVERY_MS = 5000;

export interface SegmenterServiceOptions {
  config: SegmenterConfig;
  /** The process's memory backpressure, applied before each cut (default: none). */
  backpressure?: Backpressure;
  /** Least time between two reads of the ASR group's lag, ms (default 5 s; tests pass a shorter one). */
  lagCheckEveryMs?: number;
}

export async function startSegmenter(ctx: ServiceContext, options: SegmenterServiceOptions): Promise<RunningService> {
  const logger = ctx.logger.child({ component: "segmenter", instanceId: ctx.instanceId });
  const metrics = createSegmenterMetrics(ctx.metrics);
  const stopping = new AbortController();
  const backpressure = options.backpressure ?? fullSpeed;
  await ctx.serde.register("jobs");
  await ctx.serde.register("segments");
  const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = ctx.kafka.consumer({ groupId: options.config.groupId, sessionTimeout: 30_000, heartbeatInterval: HEARTBEAT_INTERVAL_MS });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: ctx.topics.jobs, fromBeginning: true });
  // Flow control, not memory: the segmenter stays at most maxAhead segments ahead
  // of the ASR stage (see look-ahead.ts). The admin client connects at the first check.
  const lookAhead =
    options.config.maxAhead === 0
      ? undefined
      : new AsrLookAhead({
          admin: ctx.kafka.admin({ retry: LAG_CHECK_RETRY }),
          groupId: options.config.asrGroupId,
          topic: ctx.topics.segments,
          policy: { maxAhead: options.config.maxAhead, ...DEFAULT_LOOK_AHEAD_TIMING },
          checkEveryMs: options.lagCheckEveryMs ?? LAG_CHECK_EVERY_MS,
          logger,
          metrics,
        });

  /**
   * Backpressure, applied before each cut: while memory is at HIGH or above no
   * new segment is cut, and as nothing reads ffmpeg's output meanwhile it blocks
   * once its read-ahead (one segment) is full and decodes nothing more. Stopping
   * ends the wait.
   */
  async function whenAccepting(log: Logger): Promise<void> {
    if (!backpressure.paused()) return;
    const level = backpressure.level();
    log.warn({ level }, "memory pressure: holding the next segment cut until it eases");
    await backpressure.waitUntilResumed(stopping.signal);
    log.info({ level: backpressure.level(), was: level }, "memory pressure eased: segment cutting resumed");
  }

  /** Segments one job; false when stopping cut it short (its offset stays uncommitted and it is done again). */
  async function handleJob(job: JobRequested, where: Record<string, unknown>): Promise<boolean> {
    const log = logger.child({ ...where, jobId: job.jobId, tenant: job.tenant });
    const started = Date.now();
    try {
      // Ids become object keys; a hostile one ends its job (JobFailed, invalid-id) before any media is touched.
      assertValidId("tenant", job.tenant);
      assertValidId("job id", job.jobId);
      assertSourceAllowed(job.source, options.config.sources);
      const result = await retry(
        async () =>
          segmentJob(ctx, job, {
            config: options.config,
            producer,
            input: await readableMediaInput(job.source, ctx.store),
            signal: stopping.signal,
            shouldPause: () => whenAccepting(log),
            // Held before upload, with the cut segment in hand, so that the segments
            // skipped on a second pass (published before) never wait for room.
            ...(lookAhead === undefined ? {} : { beforePublish: () => lookAhead.untilRoom(stopping.signal, log) }),
            onSegment: (_index, silent) => {
              metrics.segments.inc({ silent: String(silent) });
              lookAhead?.published();
            },
          }).finally(() => lookAhead?.settleAll()),
        MEDIA_RETRY,
        {
          signal: stopping.signal,
          isRetriable: (err) => isSegmenterError(err) && err.retriable,
          onRetry: (err, attempt, delayMs) => log.warn({ err: (err as Error).message, attempt, delayMs }, "media could not be read; trying again"),
        },
      );
      metrics.jobs.inc({ outcome: "segmented" });
      log.info({ ...result, ms: Date.now() - started }, "job segmented");
      return true;
    } catch (err) {
      // Stopping is not the job's failure, nor kafkajs's: leave the batch quietly.
      if (stopping.signal.aborted) return false;
      const failure = describeSegmenterFailure(err);
      // Infrastructure (S3, Kafka, the registry) is waited for: the offset stays
      // uncommitted and the job is tried again. Media failures had their tries above.
      if (failure.retriable && !isSegmenterError(err)) throw err;
      const message = failure.retriable ? `${failure.message} (gave up after ${MEDIA_ATTEMPTS} tries)` : failure.message;
      // Bad media ends the job with a clear reason; the other jobs go on.
      metrics.jobs.inc({ outcome: "failed" });
      log.error({ code: failure.code, err: message }, "job could not be segmented");
      await appendJobEvent(ctx, producer, "JobFailed", {
        tenant: job.tenant,
        jobId: job.jobId,
        stage: "segmenter",
        reason: failure.code,
        message,
        producerId: ctx.instanceId,
        eventTime: Date.now(),
      });
      return true;
    }
  }

  async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    await withHeartbeat(heartbeat, HEARTBEAT_INTERVAL_MS, async () => {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || stopping.signal.aborted) break;
        const where = { topic: batch.topic, partition: batch.partition, offset: message.offset };
        let decoded: ReturnType<typeof readJobEvent> | undefined;
        try {
          decoded = message.value ? readJobEvent((await ctx.serde.decode(message.value)).value) : undefined;
        } catch (err) {
          logger.error({ ...where, err: (err as Error).message }, "undecodable job event skipped");
        }
        if (decoded?.type === "JobRequested" && !(await handleJob(decoded.event, where))) break;
        resolveOffset(message.offset);
        await commitThrough(consumer, batch.topic, batch.partition, message.offset);
      }
    });
  }

  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  // kafkajs gives up on some crashes for good (a group coordinator not found
  // while the broker restarts, tulios/kafkajs#1630): the service then ends, so
  // its process exits and is restarted, instead of living on without a consumer.
  consumer.on(consumer.events.CRASH, (event) => {
    logger.error({ err: String(event.payload.error), restart: event.payload.restart }, "consumer crashed");
    if (!event.payload.restart && !stopping.signal.aborted) resolveDone();
  });

  await consumer.run({ eachBatch, eachBatchAutoResolve: false, autoCommit: false });
  // Stopping aborts the job being segmented; its batch then returns without
  // committing it, and consumer.stop() waits for that before leaving the group.
  const stop = consumerStop({
    logger,
    consumer,
    producer,
    stopFetching: () => stopping.abort(),
    release: async () => {
      resolveDone();
      await lookAhead?.close();
    },
  });
  return { name: "segmenter", done, stop };
}
