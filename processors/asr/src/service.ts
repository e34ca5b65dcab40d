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

import {
  type Backpressure,
  BufferPool,
  consumerStop,
  fullSpeed,
  HandleRegistry,
  type RunningService,
  registerMemoryMetrics,
  type ServiceContext,
} from "@lingostream/runtime";
import type { Consumer, KafkaMessage, Producer } from "kafkajs";
import { createBatchLoop } from "./batch-loop.ts";
import { type AsrConfig, resolveSlots } from "./config.ts";
import { type EngineFactory, EnginePool } from "./engine-pool.ts";
import { FailureRouter } from "./failure-routing.ts";
import { type Claim, FairGate } from "./fair-gate.ts";
import { createAsrMetrics } from "./metrics.ts";
import { type PauseChange, PauseSync } from "./pause-sync.ts";
import { SegmentHandler } from "./segment-handler.ts";
import { type AsrStats, emptyAsrStats } from "./stats.ts";
import { registerTenantMetrics } from "./tenant-metrics.ts";

/** Partitions whose batches are in hand at once: the default partition count of asr.segments. */
const CONCURRENT_PARTITIONS = 12;

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
  onPauseChange?: (event: PauseChange) => void;
}

export interface AsrProcessor extends RunningService {
  readonly stats: AsrStats;
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
  const stats = emptyAsrStats();
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
    // One fetch holds events, not audio: about 2,000 segments per partition, the
    // window within which the fair gate weighs tenants (docs/fairness.md).
    maxBytesPerPartition: 1024 * 1024,
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });

  const failures = new FailureRouter({ ctx, producer, maxAttempts: config.maxAttempts, metrics, stats, logger });
  const handler = new SegmentHandler({
    ctx,
    config,
    producer,
    engines,
    audioPool,
    backpressure,
    failures,
    metrics,
    stats,
    logger,
    signal: stopping.signal,
    onSettled: options.onSettled,
  });
  const pause = new PauseSync({
    consumer,
    topic,
    backpressure,
    metrics,
    logger,
    signal: stopping.signal,
    inFlight: () => handler.inFlight,
    onPauseChange: options.onPauseChange,
  });
  const tenantMetrics = registerTenantMetrics(ctx.metrics, config.tenants);
  const gate = new FairGate({ limit: () => backpressure.maxInFlight(slots), tenants: config.tenants, onGrant: tenantMetrics.granted });
  tenantMetrics.observe(gate);
  // What the gate weighs a segment by, read before its turn; one that does not
  // decode is let through as it is and dead-lettered by the handler.
  const peek = async (message: KafkaMessage): Promise<Claim> => {
    try {
      const segment = (await ctx.serde.decodeAs("segments", message.value ?? Buffer.alloc(0))).value;
      // A silent segment costs no engine time, so it takes next to nothing of its tenant's share.
      return { tenant: segment.tenant, priority: segment.priority ?? "normal", cost: segment.silent ? 0 : segment.endSeconds - segment.startSeconds };
    } catch {
      return { tenant: "", priority: "normal", cost: 0 };
    }
  };
  const loop = createBatchLoop({
    consumer,
    handler,
    pause,
    gate,
    peek,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    logger,
    signal: stopping.signal,
  });
  // The limit can rise without a segment settling (memory pressure eased).
  const dispatcher = setInterval(() => gate.dispatch(), 250);
  dispatcher.unref?.();

  consumer.on(consumer.events.GROUP_JOIN, () => {
    stats.groupJoins++;
    loop.reset();
  });
  // Every assigned partition's batch offers its segments to the gate at once, so
  // the gate chooses among all tenants' segments in hand, not among one partition's.
  await consumer.run({
    eachBatch: loop.eachBatch,
    eachBatchAutoResolve: false,
    autoCommit: false,
    partitionsConsumedConcurrently: Math.max(slots, CONCURRENT_PARTITIONS),
  });

  // Memory pressure: pause as the level rises rather than at the next batch;
  // give back what can be rebuilt at MODERATE (idle decoders beyond the slots the
  // level allows; the pool closes those freed later) and everything idle at CRITICAL.
  const releaseIdle = async (keepEngines: number) => {
    const freedBytes = audioPool.drain();
    const closedEngines = await engines.closeIdle(keepEngines);
    logger.info({ freedBytes, closedEngines, keepEngines }, "memory cleanup: released idle audio buffers and engines");
  };
  const unsubscribe = [
    backpressure.onChange((change) => {
      logger.debug({ level: change.level, previous: change.previous, maxInFlight: backpressure.maxInFlight(slots) }, "memory level changed");
      pause.sync();
      gate.dispatch();
    }),
    backpressure.onCleanup(() => releaseIdle(backpressure.maxInFlight(slots))),
    backpressure.onEmergency(() => releaseIdle(0)),
  ];
  pause.sync();

  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  consumer.on(consumer.events.CRASH, (event) => {
    logger.error({ err: String(event.payload.error), restart: event.payload.restart }, "consumer crashed");
    if (!event.payload.restart) resolveDone();
  });

  const stop = consumerStop({
    logger,
    consumer,
    producer,
    stopFetching: () => {
      stopping.abort();
      clearInterval(dispatcher);
      for (const off of unsubscribe) off?.();
    },
    // Segments in flight finish and commit while the consumer still can; then
    // consumer.stop() waits for the batches in hand, which return at once.
    drain: () => loop.drain(),
    release: async () => {
      try {
        await engines.close();
        audioPool.drain();
      } finally {
        resolveDone();
        logger.info(stats, "asr processor stopped");
      }
    },
  });
  return { name: "asr", stats, done, stop };
}
