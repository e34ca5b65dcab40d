// The ASR processor: a stateless consumer group on asr.segments.
//
// Delivery: the result (or dead letter) is produced with an idempotent producer
// and acks from all in-sync replicas, and only then is the segment's offset
// committed. A crash between the two re-delivers the segment, so a result can
// appear twice in asr.results; the sink writes one object per segment under a
// deterministic key, so duplicates overwrite and never reach a transcript. We
// chose this over Kafka transactions because the sink must be idempotent anyway
// (replays re-run segments on purpose) and transactions would serialize every
// in-flight segment behind one transactional producer per worker.

import type { Consumer, EachBatchPayload, KafkaMessage, Producer } from "kafkajs";
import {
  BufferPool,
  HandleRegistry,
  PipelineError,
  assertValidId,
  sleep,
  classifyKafkaError,
  segmentResultKey,
  registerMemoryMetrics,
  type RunningService,
  type ServiceContext,
} from "@lingostream/runtime";
import type { AudioSegment, SegmentFailed } from "@lingostream/schemas";
import { resolveSlots, type AsrConfig } from "./config.ts";
import { SlotGate } from "./slot-gate.ts";
import { fullSpeed, type Backpressure } from "./backpressure.ts";
import { EnginePool, type EngineFactory, type LeasedEngine } from "./engine-pool.ts";
import { classifyFailure } from "./failure-class.ts";
import { InOrderOffsets } from "./in-order-offsets.ts";
import { createAsrMetrics } from "./metrics.ts";
import { transcribeSegment } from "./transcribe-segment.ts";

export interface AsrProcessorOptions {
  config: AsrConfig;
  /** Builds engines; tests pass slow or failing ones. */
  engineFactory?: EngineFactory;
  backpressure?: Backpressure;
  /** Called after each segment is settled (transcribed or dead-lettered). */
  onSettled?: (outcome: { segmentId: string; ok: boolean }) => void;
  /** The process's audio handle registry (one per process; default a registry of the processor's own). */
  handles?: HandleRegistry;
  /** Called as consumption is paused or resumed for memory pressure; benchmarks and tests time it. */
  onPauseChange?: (event: { paused: boolean; level: string; time: number }) => void;
}

/** A segment refused by the local memory check; it stays uncommitted and is fetched again. */
class NotAdmitted extends Error {}

export interface AsrProcessor extends RunningService {
  readonly stats: { transcribed: number; failed: number; retried: number; malformed: number; groupJoins: number; alreadyDone: number };
}

export async function startAsrProcessor(ctx: ServiceContext, options: AsrProcessorOptions): Promise<AsrProcessor> {
  const { config } = options;
  const slots = resolveSlots(config.maxInFlight);
  const logger = ctx.logger.child({ component: "asr", instanceId: ctx.instanceId });
  const metrics = createAsrMetrics(ctx.metrics);
  const backpressure = options.backpressure ?? fullSpeed;
  // Under memory pressure fewer slots may run (half at MODERATE, none from HIGH):
  // a decoder freed beyond them is closed, not kept idle. At LOW, no limit.
  const engines = new EnginePool(config, options.engineFactory, {
    limit: () => {
      const allowed = backpressure.maxInFlight(slots);
      return allowed < slots ? allowed : Number.POSITIVE_INFINITY;
    },
  });
  const handles = options.handles ?? new HandleRegistry();
  // Room for every segment in flight at its largest, so acquiring never waits
  // while the in-flight limit holds; idle buffers are kept for reuse up to a quarter.
  const audioPool = new BufferPool({ maxBytes: slots * config.maxSegmentBytes, registry: handles });
  // A registry handed in is the process's, and whoever made it reports it.
  registerMemoryMetrics(ctx.metrics, "asr", { pool: audioPool, handles: options.handles ? undefined : handles });
  const stats = { transcribed: 0, failed: 0, retried: 0, malformed: 0, groupJoins: 0, alreadyDone: 0 };
  const stopping = new AbortController();
  const topic = ctx.topics.segments;

  await ctx.serde.register("results");
  await ctx.serde.register("segmentsFailed");
  await ctx.serde.register("segments");

  const producer: Producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer: Consumer = ctx.kafka.consumer({
    groupId: config.groupId,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: Math.min(config.heartbeatIntervalMs, Math.floor(config.sessionTimeoutMs / 3)),
    // One fetch holds at most a few claim checks' worth of events, not audio.
    maxBytesPerPartition: 1024 * 1024,
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });

  let paused = false;
  let inFlightNow = 0;
  const gate = new SlotGate();
  const levelNow = () => backpressure.level?.() ?? "unknown";
  /**
   * Brings the consumer in line with the governor; true while it must stay paused.
   * Called on every level change (so an idle consumer pauses at once, not at its
   * next batch) and before each segment of a batch. kafkajs pause() only stops
   * the next fetch: the rest of the batch in hand is left unresolved by the
   * loop below, so kafkajs fetches it again after resume() and nothing is lost.
   */
  const syncPause = (): boolean => {
    const want = backpressure.paused();
    // Idempotent, and repeated on purpose: a consumer kafkajs restarts after a
    // crash forgets its pauses (and refuses them while restarting; the check
    // before each segment holds the work back meanwhile).
    if (want && !stopping.signal.aborted) {
      try {
        consumer.pause([{ topic }]);
      } catch (err) {
        logger.debug({ err: String(err) }, "consumer not running; pause applies from its next batch");
      }
    }
    if (want && !paused) {
      paused = true;
      const level = levelNow();
      metrics.paused.set(1);
      metrics.pauses.inc({ level });
      logger.warn({ topic, level, inFlight: inFlightNow }, "memory pressure: consumption paused; finishing the segments in flight");
      options.onPauseChange?.({ paused: true, level, time: Date.now() });
      void backpressure.waitUntilResumed(stopping.signal).then(
        () => {
          if (stopping.signal.aborted) return;
          // Resumes only once the governor left HIGH with hysteresis, so this does not flap.
          consumer.resume([{ topic }]);
          paused = false;
          metrics.paused.set(0);
          metrics.resumes.inc();
          const level = levelNow();
          logger.info({ topic, level }, "memory pressure eased: consumption resumed");
          options.onPauseChange?.({ paused: false, level, time: Date.now() });
        },
        () => {},
      );
    }
    return want;
  };

  async function produceFailure(segment: AudioSegment | null, message: KafkaMessage, partition: number, err: unknown, attempt: number) {
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
    if (segment && failure.retryable && attempt < config.maxAttempts) {
      const retried: AudioSegment = { ...segment, attempt: attempt + 1, firstFailureTime, producerId: ctx.instanceId, eventTime: now };
      await producer.send({ topic, acks: -1, messages: [{ key: segment.segmentId, value: await ctx.serde.encode("segments", retried) }] });
      stats.retried++;
      metrics.failed.inc({ error_class: failure.errorClass, retryable: "true" });
      logger.warn(
        { topic, partition, offset: message.offset, jobId: segment.jobId, segmentId: segment.segmentId, attempt, maxAttempts: config.maxAttempts, errorClass: failure.errorClass, err: failure.message },
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
      retryable: failure.retryable,
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
    metrics.failed.inc({ error_class: failure.errorClass, retryable: String(failure.retryable) });
    logger.error(
      { topic, partition, offset: message.offset, jobId: segment?.jobId, segmentId: segment?.segmentId, attempt, errorClass: failure.errorClass, retryable: failure.retryable, err: failure.message },
      "segment dead-lettered",
    );
  }

  /** Settles one message: a result or a dead letter is durable when this resolves. Throws only if Kafka itself is failing. */
  async function handle(message: KafkaMessage, partition: number): Promise<void> {
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
      await produceFailure(null, message, partition, classified, 1);
      return;
    }
    const engineName = segment.engine || config.engine;
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
    inFlightNow++;
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
      const value = await ctx.serde.encode("results", outcome.event);
      // A failed send is Kafka's trouble, not the segment's (a broker restart):
      // classified here so it is rethrown below and the segment is done again.
      await producer.send({ topic: ctx.topics.results, acks: -1, messages: [{ key: segment.jobId, value }] }).catch((err: unknown) => {
        throw classifyKafkaError(err, ctx.config.kafkaBrokers);
      });
      stats.transcribed++;
      metrics.processed.inc({ engine: outcome.event.engine });
      metrics.droppedWords.inc(outcome.event.droppedWords);
      if (outcome.audioSeconds > 0) metrics.realTimeFactor.observe({ engine: outcome.event.engine }, outcome.engineMs / 1000 / outcome.audioSeconds);
      logger.debug({ topic, partition, offset: message.offset, jobId: segment.jobId, segmentId: segment.segmentId, words: outcome.event.words.length }, "segment transcribed");
      options.onSettled?.({ segmentId: segment.segmentId, ok: true });
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
        await sleep(config.heartbeatIntervalMs, stopping.signal).catch(() => {});
        throw err;
      }
      // Met again after its job completed (a rerun reading offsets that were not
      // committed): the sink holds its result and has released the audio. Done.
      if (err instanceof PipelineError && err.code === "storage-not-found" && (await ctx.store.exists(segmentResultKey(segment.tenant, segment.jobId, segment.index)))) {
        stats.alreadyDone++;
        logger.info({ topic, partition, offset: message.offset, jobId: segment.jobId, segmentId: segment.segmentId }, "segment already transcribed and its audio released; nothing to do");
        options.onSettled?.({ segmentId: segment.segmentId, ok: true });
        return;
      }
      await produceFailure(segment, message, partition, err, segment.attempt);
      options.onSettled?.({ segmentId: segment.segmentId, ok: false });
    } finally {
      engine?.release();
      metrics.inFlight.dec();
      inFlightNow--;
      timer();
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    // kafkajs heartbeats only between batches on its own; a segment can take
    // longer than the session timeout, so beat while work is in flight.
    const beat = setInterval(() => heartbeat().catch((err) => logger.debug({ err: String(err) }, "heartbeat failed")), config.heartbeatIntervalMs);
    const order = new InOrderOffsets();
    const inFlight = new Set<Promise<void>>();
    let fatal: unknown;
    let handedBack = false;
    const commit = async (offset: string) => {
      resolveOffset(offset);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(offset) + 1n).toString() }]);
    };
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || stopping.signal.aborted || fatal !== undefined || handedBack) break;
        if (syncPause()) break;
        const stopWaiting = () => fatal !== undefined || handedBack || stopping.signal.aborted || !isRunning() || isStale();
        if (!(await gate.acquire(() => backpressure.maxInFlight(slots), stopWaiting))) break;
        // The level may have risen, or a segment been refused, while waiting for a slot.
        if (fatal !== undefined || handedBack || syncPause()) {
          gate.release();
          break;
        }
        order.start(message.offset);
        const work: Promise<void> = handle(message, batch.partition)
          .then(async () => {
            const done = order.finish(message.offset);
            if (done !== undefined) await commit(done);
          })
          .catch((err) => {
            if (err instanceof NotAdmitted) handedBack = true;
            else fatal ??= err;
          })
          .finally(() => {
            gate.release();
            inFlight.delete(work);
          });
        inFlight.add(work);
      }
      await Promise.all(inFlight);
    } finally {
      clearInterval(beat);
    }
    // The failed segment's offset stays unresolved, so kafkajs retries the batch from it.
    if (fatal !== undefined) throw fatal;
    // A refusal because the level rose is already a consumer pause; one for this
    // process's own memory is not, so wait a while before the batch is fetched again.
    if (handedBack && !syncPause()) {
      logger.warn({ topic: batch.topic, partition: batch.partition }, "segment refused by the local memory check; retrying after a pause");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, config.heartbeatIntervalMs);
        function done() {
          clearTimeout(timer);
          stopping.signal.removeEventListener("abort", done);
          resolve();
        }
        stopping.signal.addEventListener("abort", done, { once: true });
      });
    }
  }

  consumer.on(consumer.events.GROUP_JOIN, () => {
    stats.groupJoins++;
  });
  // Partitions are taken concurrently and share the slots (see SlotGate): one
  // partition's single segment must not leave the other slots idle.
  await consumer.run({ eachBatch, eachBatchAutoResolve: false, autoCommit: false, partitionsConsumedConcurrently: slots });

  // Memory pressure: pause as the level rises rather than at the next batch;
  // give back what can be rebuilt at MODERATE (idle decoders beyond the slots the
  // level allows; the pool closes those freed later) and everything idle at CRITICAL.
  const releaseIdle = async (keepEngines: number) => {
    const freedBytes = audioPool.drain();
    const closedEngines = await engines.closeIdle(keepEngines);
    logger.info({ freedBytes, closedEngines, keepEngines }, "memory cleanup: released idle audio buffers and engines");
  };
  const unsubscribe = [
    backpressure.onChange?.((change) => {
      logger.debug({ level: change.level, previous: change.previous, maxInFlight: backpressure.maxInFlight(slots) }, "memory level changed");
      syncPause();
    }),
    backpressure.onCleanup?.(() => releaseIdle(backpressure.maxInFlight(slots))),
    backpressure.onEmergency?.(() => releaseIdle(0)),
  ];
  syncPause();

  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  consumer.on(consumer.events.CRASH, (event) => {
    logger.error({ err: String(event.payload.error), restart: event.payload.restart }, "consumer crashed");
    if (!event.payload.restart) resolveDone();
  });

  let stopped: Promise<void> | undefined;
  return {
    name: "asr",
    stats,
    done,
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        for (const off of unsubscribe) off?.();
        // stop() waits for the batch in hand: in-flight segments finish and commit.
        await consumer.stop();
        await consumer.disconnect();
        await producer.disconnect();
        await engines.close();
        audioPool.drain();
        resolveDone();
        logger.info(stats, "asr processor stopped");
      })();
      return stopped;
    },
  };
}
