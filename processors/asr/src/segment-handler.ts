// Settles one message of asr.segments: decode and check it, pass the local
// memory check, transcribe it on a leased engine and produce its result, or
// route its failure. Which failures are the segment's (retried or
// dead-lettered) and which are the infrastructure's (thrown, so the segment is
// done again) is decided here.

import type { Backpressure } from "@lingostream/runtime";
import {
  assertValidId,
  type BufferPool,
  classifyKafkaError,
  type Logger,
  PipelineError,
  type ServiceContext,
  segmentResultKey,
  sleep,
} from "@lingostream/runtime";
import type { AudioSegment, SegmentTranscribed } from "@lingostream/schemas";
import type { KafkaMessage, Producer } from "kafkajs";
import type { AsrConfig } from "./config.ts";
import type { EnginePool, LeasedEngine } from "./engine-pool.ts";
import type { FailureRouter } from "./failure-routing.ts";
import type { AsrMetrics } from "./metrics.ts";
import type { AsrStats } from "./stats.ts";
import { silentSegmentResult, transcribeSegment } from "./transcribe-segment.ts";

/** A segment refused by the local memory check; it stays uncommitted and is fetched again. */
export class NotAdmitted extends PipelineError {
  constructor(segmentId: string) {
    super("memory-pressure", `segment ${segmentId} refused by the local memory check`, { retriable: true, details: { segmentId } });
    this.name = "NotAdmitted";
  }
}

export interface SegmentHandlerOptions {
  ctx: Pick<ServiceContext, "serde" | "store" | "topics" | "instanceId" | "config">;
  config: Pick<AsrConfig, "engine" | "maxSegmentBytes" | "segmentTimeoutMs" | "heartbeatIntervalMs">;
  producer: Pick<Producer, "send">;
  engines: EnginePool;
  audioPool: BufferPool;
  backpressure: Backpressure;
  failures: FailureRouter;
  metrics: AsrMetrics;
  stats: AsrStats;
  logger: Logger;
  /** Aborted when the processor stops: cuts the wait before a segment is handed back. */
  signal: AbortSignal;
  onSettled?: (outcome: { segmentId: string; ok: boolean }) => void;
}

export class SegmentHandler {
  private readonly options: SegmentHandlerOptions;
  private _inFlight = 0;

  constructor(options: SegmentHandlerOptions) {
    this.options = options;
  }

  /** Segments being transcribed now. */
  get inFlight(): number {
    return this._inFlight;
  }

  /**
   * Settles one message: a result or a dead letter is durable when this resolves.
   * Throws NotAdmitted when the memory check refuses it, and otherwise only if
   * Kafka, the registry or the object store is failing.
   */
  async handle(message: KafkaMessage, partition: number): Promise<void> {
    const { ctx, config, engines, audioPool, backpressure, failures, metrics, stats, logger, onSettled } = this.options;
    const topic = ctx.topics.segments;
    let segment: AudioSegment | null = null;
    try {
      if (!message.value) throw new PipelineError("malformed", "message has no value");
      const decoded = await ctx.serde.decodeAs("segments", message.value);
      segment = decoded.value as AudioSegment;
      assertValidId("tenant", segment.tenant);
      assertValidId("job id", segment.jobId);
      assertValidId("segment id", segment.segmentId);
    } catch (err) {
      stats.malformed++;
      // An undecodable event is dead-lettered with its coordinates; it must not stop the partition.
      const classified = (err as { code?: string }).code === "registry-unavailable" ? err : new PipelineError(err instanceof PipelineError && err.code === "invalid-id" ? "invalid-id" : "malformed", (err as Error).message, { cause: err });
      if ((classified as PipelineError).retriable) throw classified;
      await failures.route(null, message, partition, classified, 1);
      return;
    }
    const engineName = segment.engine || config.engine;
    if (segment.silent === true) {
      // Nothing to hear: no audio fetched, no memory admitted, no engine leased.
      await this.publishResult(silentSegmentResult(segment, engineName, { producerId: ctx.instanceId, now: Date.now }), segment);
      stats.transcribed++;
      metrics.silent.inc();
      logger.debug({ topic, partition, offset: message.offset, jobId: segment.jobId, segmentId: segment.segmentId }, "silent segment: empty result without the engine");
      onSettled?.({ segmentId: segment.segmentId, ok: true });
      return;
    }
    // The local check: the topic may be stale or slow, this process's own memory is not.
    // A segment that must start a decoder (no idle one for its engine) brings the
    // decoder's memory as well: about 400 MiB for whisper against 1 MiB for 30 s
    // of audio. Nothing awaits between this and acquire() below, so concurrent
    // segments cannot both count on the same idle decoder.
    if (!backpressure.admit(segment.claimCheck.byteSize + engines.decoderBytesToAcquire(engineName))) {
      metrics.refused.inc();
      throw new NotAdmitted(segment.segmentId);
    }
    const timer = metrics.latency.startTimer({ engine: engineName });
    metrics.inFlight.inc();
    this._inFlight++;
    let engine: LeasedEngine | undefined;
    try {
      engine = await engines.acquire(engineName);
      const outcome = await transcribeSegment(segment, engine.engine, {
        store: ctx.store,
        pool: audioPool,
        maxSegmentBytes: config.maxSegmentBytes,
        timeoutMs: config.segmentTimeoutMs,
        producerId: ctx.instanceId,
        now: Date.now,
      });
      await this.publishResult(outcome.event, segment);
      stats.transcribed++;
      metrics.processed.inc({ engine: outcome.event.engine });
      metrics.droppedWords.inc(outcome.event.droppedWords);
      if (outcome.audioSeconds > 0) metrics.realTimeFactor.observe({ engine: outcome.event.engine }, outcome.engineMs / 1000 / outcome.audioSeconds);
      logger.debug({ topic, partition, offset: message.offset, jobId: segment.jobId, segmentId: segment.segmentId, words: outcome.event.words.length }, "segment transcribed");
      onSettled?.({ segmentId: segment.segmentId, ok: true });
    } catch (err) {
      // The result could not be written for a passing reason (only the Kafka adapter makes
      // broker-* errors): nothing is settled and the segment is done again. A permanent
      // refusal (a result over the broker's size limit) is the segment's and is dead-lettered.
      const passing = err instanceof PipelineError && (err.code === "broker-unreachable" || (err.code === "broker-transient" && err.retriable));
      if (passing || (err instanceof PipelineError && err.code === "registry-unavailable")) throw err;
      // S3 being down or throttling is not this segment's fault either: retrying it as
      // a new attempt would burn its attempts in a second and dead-letter every segment
      // fetched during the outage. Hand it back uncommitted after a pause instead;
      // kafkajs retries the batch from this offset with its own backoff.
      if (err instanceof PipelineError && (err.code === "storage-unavailable" || err.code === "storage-throttled")) {
        logger.warn({ topic, partition, offset: message.offset, jobId: segment.jobId, segmentId: segment.segmentId, err: err.message }, "object store unavailable; segment handed back");
        await sleep(config.heartbeatIntervalMs, this.options.signal).catch(() => {});
        throw err;
      }
      // Met again after its job completed (a rerun reading offsets that were not
      // committed): the sink holds its result and has released the audio. Done.
      if (err instanceof PipelineError && err.code === "storage-not-found" && (await ctx.store.exists(segmentResultKey(segment.tenant, segment.jobId, segment.index)))) {
        stats.alreadyDone++;
        logger.info({ topic, partition, offset: message.offset, jobId: segment.jobId, segmentId: segment.segmentId }, "segment already transcribed and its audio released; nothing to do");
        onSettled?.({ segmentId: segment.segmentId, ok: true });
        return;
      }
      await failures.route(segment, message, partition, err, segment.attempt);
      onSettled?.({ segmentId: segment.segmentId, ok: false });
    } finally {
      engine?.release();
      metrics.inFlight.dec();
      this._inFlight--;
      timer();
    }
  }

  /** Produces a result durably. A failed send is Kafka's trouble, not the segment's (a broker restart): classified so the caller rethrows it and the segment is done again. */
  private async publishResult(event: SegmentTranscribed, segment: AudioSegment): Promise<void> {
    const { ctx, producer } = this.options;
    const value = await ctx.serde.encode("results", event);
    await producer.send({ topic: ctx.topics.results, acks: -1, messages: [{ key: segment.jobId, value }] }).catch((err: unknown) => {
      throw classifyKafkaError(err, ctx.config.kafkaBrokers);
    });
  }
}
