// Where a failed segment goes: back on asr.segments as its next attempt while a
// retry can help and attempts remain, otherwise to asr.segments.failed as a
// dead letter that says what failed, where it was read and since when.

import type { Logger, ServiceContext } from "@lingostream/runtime";
import type { AudioSegment, SegmentFailed } from "@lingostream/schemas";
import type { KafkaMessage, Producer } from "kafkajs";
import { classifyFailure } from "./failure-class.ts";
import type { AsrMetrics } from "./metrics.ts";
import type { AsrStats } from "./stats.ts";

export interface FailureRoutingOptions {
  ctx: Pick<ServiceContext, "serde" | "topics" | "instanceId">;
  producer: Pick<Producer, "send">;
  maxAttempts: number;
  metrics: Pick<AsrMetrics, "failed">;
  stats: AsrStats;
  logger: Logger;
}

export class FailureRouter {
  private readonly options: FailureRoutingOptions;

  constructor(options: FailureRoutingOptions) {
    this.options = options;
  }

  /**
   * Routes a failure of the message read at this partition; `segment` is null
   * when the event itself did not decode. Resolves once the retry or the dead
   * letter is durable on all in-sync replicas.
   */
  async route(segment: AudioSegment | null, message: KafkaMessage, partition: number, err: unknown, attempt: number): Promise<void> {
    const { ctx, producer, maxAttempts, metrics, stats, logger } = this.options;
    const topic = ctx.topics.segments;
    const failure = classifyFailure(err);
    const now = Date.now();
    // Carried on the segment through every retry and replay, so the dead letter
    // says when the trouble started, not just when it was given up on.
    const firstFailureTime = segment?.firstFailureTime ?? now;
    // Retryable failures go back on the work queue as a new attempt instead of
    // blocking this partition; past maxAttempts they become dead letters. The
    // re-publish is immediate: Kafka has no delayed delivery, and waiting here
    // would hold an in-flight slot and the partition's commit. Backoff belongs
    // in delay topics (one per delay, read by a consumer that pauses only
    // that topic until its head is due), not in this loop.
    if (segment && failure.retriable && attempt < maxAttempts) {
      const retried: AudioSegment = { ...segment, attempt: attempt + 1, firstFailureTime, producerId: ctx.instanceId, eventTime: now };
      await producer.send({ topic, acks: -1, messages: [{ key: segment.segmentId, value: await ctx.serde.encode("segments", retried) }] });
      stats.retried++;
      metrics.failed.inc({ error_class: failure.errorClass, retryable: "true" });
      logger.warn(
        { topic, partition, offset: message.offset, jobId: segment.jobId, segmentId: segment.segmentId, attempt, maxAttempts, errorClass: failure.errorClass, err: failure.message },
        "segment failed, retrying as a new attempt",
      );
      return;
    }
    const deadLetter: SegmentFailed = {
      tenant: segment?.tenant ?? "unknown",
      jobId: segment?.jobId ?? null,
      segmentId: segment?.segmentId ?? null,
      // With firstFailureTime set, so a replay carries it on.
      segment: segment ? { ...segment, firstFailureTime } : null,
      source: { topic, partition, offset: message.offset },
      errorClass: failure.errorClass,
      message: failure.message.slice(0, 2000),
      retryable: failure.retriable,
      attempt,
      firstFailureTime,
      lastFailureTime: now,
      workerId: ctx.instanceId,
      producerId: ctx.instanceId,
      eventTime: now,
    };
    const key = segment?.segmentId ?? message.key?.toString("utf8").slice(0, 200) ?? `${topic}-${partition}-${message.offset}`;
    await producer.send({ topic: ctx.topics.segmentsFailed, acks: -1, messages: [{ key, value: await ctx.serde.encode("segmentsFailed", deadLetter) }] });
    stats.failed++;
    metrics.failed.inc({ error_class: failure.errorClass, retryable: String(failure.retriable) });
    logger.error(
      { topic, partition, offset: message.offset, jobId: segment?.jobId, segmentId: segment?.segmentId, attempt, errorClass: failure.errorClass, retriable: failure.retriable, err: failure.message },
      "segment dead-lettered",
    );
  }
}
