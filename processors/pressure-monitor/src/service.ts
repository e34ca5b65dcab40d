// The pressure monitor: samples memory on a timer, classifies it with
// hysteresis, and publishes the state (MemoryPressure, every interval and at
// once on a level change) and the trend (PressureTrend, once per window).
// It holds one sample window and at most one pending event per topic.

import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import {
  type Clock,
  classify,
  classifyKafkaError,
  computeUsage,
  type MemoryConfig,
  type MemorySample,
  MemorySampler,
  type MemoryScope,
  type MemoryUsage,
  type PressureLevel,
  pressureHost,
  type RunningService,
  type ServiceContext,
  severity,
  systemClock,
  type TrendStats,
  TrendWindow,
  thresholdsOf,
  usageOptionsOf,
} from "@lingostream/runtime";
import type { MemoryPressure } from "@lingostream/schemas";
import { LatestPublisher, type Outgoing } from "./latest-publisher.ts";
import { createMonitorMetrics } from "./metrics.ts";
import { eventIdentity, type PressureReason, pressureEvent, trendEvent } from "./pressure-events.ts";

export interface PressureMonitorOptions {
  memory: MemoryConfig;
  /** Overrides memory.scope: host (the machine or container) or process (this process's RSS). */
  scope?: MemoryScope;
  /** Event key; default the host name (host scope) or host/role/instanceId (process scope). */
  sourceId?: string;
  /** Host name on events; workers obey signals that carry their own. Default memory.host, else os.hostname(). */
  host?: string;
  /** Role on events (default "pressure-monitor"). */
  role?: string;
  /** Default: a MemorySampler of the monitor's own, closed on stop. */
  sampler?: { sample(): Promise<MemorySample> };
  clock?: Clock;
  /** Publish a tombstone for the source on stop, so workers stop obeying it at once (default true). */
  withdrawOnStop?: boolean;
  /** Longest stop() waits for pending events, ms (default 10 000). */
  flushTimeoutMs?: number;
}

export interface MonitorState {
  level: PressureLevel;
  usage: MemoryUsage;
  sample: MemorySample;
  /** Of the last interval, seconds. */
  eventLoopLagSeconds: number;
  trend: TrendStats | undefined;
}

export interface PressureMonitor extends RunningService {
  readonly sourceId: string;
  /** The latest sample and its level; undefined before the first sample. */
  readonly current: MonitorState | undefined;
  readonly stats: { samples: number; sampleErrors: number; published: number; publishErrors: number; levelChanges: number };
}

/** The pressure event rides along so a replacement can keep its reason. */
type MonitorOutgoing = Outgoing & { pressure?: MemoryPressure };

/** monitorEventLoopDelay records whole timer periods; its resolution is subtracted to get the delay. */
const ELD_RESOLUTION_MS = 10;

export async function startPressureMonitor(ctx: ServiceContext, options: PressureMonitorOptions): Promise<PressureMonitor> {
  const { memory } = options;
  const scope = options.scope ?? memory.scope;
  const role = options.role ?? "pressure-monitor";
  const id = eventIdentity({ sourceId: options.sourceId, host: options.host ?? pressureHost(memory.host), scope, role, instanceId: ctx.instanceId });
  const logger = ctx.logger.child({ component: "pressure-monitor", sourceId: id.sourceId, scope });
  const clock = options.clock ?? systemClock;
  const ownSampler = options.sampler ? undefined : new MemorySampler({ clock });
  const sampler = options.sampler ?? ownSampler!;
  const thresholds = thresholdsOf(memory);
  const usageOptions = usageOptionsOf(memory, scope);
  const intervalMs = memory.pressureIntervalMs;
  const trend = new TrendWindow({
    windowMs: memory.trendWindowMs,
    alpha: memory.ewmaAlpha,
    criticalRatio: thresholds.criticalRatio,
    // Twice the samples a window should hold: room for jitter, still a hard bound.
    maxSamples: Math.ceil((2 * memory.trendWindowMs) / intervalMs) + 2,
  });
  const metrics = createMonitorMetrics(ctx.metrics);
  const stats = { samples: 0, sampleErrors: 0, published: 0, publishErrors: 0, levelChanges: 0 };

  // Fail at start, with a clear message, if the registry or the broker is not there.
  await ctx.serde.register("memoryPressure");
  await ctx.serde.register("memoryTrends");
  const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  try {
    await producer.connect();
  } catch (err) {
    throw classifyKafkaError(err, ctx.config.kafkaBrokers);
  }

  const publisher = new LatestPublisher<MonitorOutgoing>({
    async send(topic, key, value) {
      await producer.send({ topic, acks: -1, messages: [{ key, value, timestamp: String(clock()) }] });
    },
    onSent(item) {
      stats.published++;
      metrics.published.inc({ topic: item.topic, reason: item.reason });
    },
    onError(err, item) {
      stats.publishErrors++;
      metrics.publishErrors.inc({ topic: item.topic });
      logger.warn({ err, topic: item.topic, key: item.key }, "could not publish; the next sample replaces this event");
    },
  });

  const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  eld.enable();

  let current: MonitorState | undefined;
  let lastPublishedLevel: PressureLevel | undefined;
  let lastTrendAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  const pressureOutgoing = (value: MemoryPressure): MonitorOutgoing => ({
    topic: ctx.topics.memoryPressure,
    key: id.sourceId,
    reason: value.reason,
    pressure: value,
    encode: () => ctx.serde.encode("memoryPressure", value),
  });
  // A heartbeat that replaces an unsent level change must still say the level changed.
  const keepLevelChange = (waiting: MonitorOutgoing, next: MonitorOutgoing): MonitorOutgoing =>
    waiting.pressure?.reason === "level-change" && next.pressure && next.pressure.reason !== "level-change"
      ? pressureOutgoing({ ...next.pressure, reason: "level-change" })
      : next;

  async function sampleOnce(): Promise<void> {
    const started = performance.now();
    let sample: MemorySample;
    try {
      sample = await sampler.sample();
    } catch (err) {
      stats.sampleErrors++;
      metrics.samples.inc({ outcome: "error" });
      logger.warn({ err }, "memory sample failed");
      return;
    }
    metrics.sampleDuration.observe((performance.now() - started) / 1000);
    const usage = computeUsage(sample, usageOptions);
    const previous = current?.level;
    const level = classify(usage, previous, thresholds);
    const lagSeconds = eld.count > 0 ? Math.max(0, eld.percentile(99) / 1e6 - ELD_RESOLUTION_MS) / 1000 : 0;
    eld.reset();
    trend.add({ time: sample.time, usedRatio: usage.usedRatio, usedBytes: usage.usedBytes, level });
    current = { level, usage, sample, eventLoopLagSeconds: lagSeconds, trend: current?.trend };
    stats.samples++;
    metrics.samples.inc({ outcome: "ok" });
    metrics.usedRatio.set(usage.usedRatio);
    metrics.usedBytes.set(usage.usedBytes);
    metrics.limitBytes.set(usage.limitBytes);
    metrics.level.set(severity(level));
    metrics.eventLoopLag.set(lagSeconds);

    const reason: PressureReason = level === lastPublishedLevel ? "heartbeat" : "level-change";
    if (previous !== undefined && level !== previous) {
      stats.levelChanges++;
      const log = severity(level) > severity(previous) ? logger.warn.bind(logger) : logger.info.bind(logger);
      log({ from: previous, to: level, usedRatio: usage.usedRatio, usedBytes: usage.usedBytes, limitBytes: usage.limitBytes }, "memory pressure level changed");
    }
    lastPublishedLevel = level;
    publisher.offer("pressure", pressureOutgoing(pressureEvent(id, sample, usage, level, reason, intervalMs)), keepLevelChange);

    lastTrendAt ??= sample.time;
    if (sample.time - lastTrendAt >= memory.trendWindowMs) {
      lastTrendAt = sample.time;
      const window = trend.stats();
      if (window) {
        current.trend = window;
        const value = trendEvent(id, window, clock());
        publisher.offer("trend", { topic: ctx.topics.memoryTrends, key: id.sourceId, reason: "window", encode: () => ctx.serde.encode("memoryTrends", value) });
      }
    }
  }

  // setTimeout, not setInterval: a slow sample delays the next instead of piling up behind it.
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      const began = performance.now();
      inFlight = sampleOnce().finally(() => schedule(Math.max(0, intervalMs - (performance.now() - began))));
    }, delay);
    // Unref'd: the timer alone never keeps the process up; the service's owner decides when it ends.
    timer.unref();
  };
  // The first sample at once, so workers starting now find a current state.
  inFlight = sampleOnce().finally(() => schedule(intervalMs));

  logger.info({ topic: ctx.topics.memoryPressure, intervalMs, limitOverrideBytes: memory.limitBytes, thresholds }, "pressure monitor started");

  let stopping: Promise<void> | undefined;
  return {
    name: "pressure-monitor",
    sourceId: id.sourceId,
    done,
    get current() {
      return current;
    },
    get stats() {
      return { ...stats };
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        await inFlight;
        if (options.withdrawOnStop ?? true) {
          publisher.offer("pressure", { topic: ctx.topics.memoryPressure, key: id.sourceId, reason: "withdrawn", encode: async () => null });
        }
        const flushed = await publisher.flush(options.flushTimeoutMs ?? 10_000);
        if (!flushed) logger.warn("stopping with events unpublished (broker unreachable?)");
        eld.disable();
        await ownSampler?.close();
        await producer.disconnect().catch((err: unknown) => logger.warn({ err }, "error disconnecting the producer"));
        logger.info(stats, "pressure monitor stopped");
        resolveDone();
      })();
      return stopping;
    },
  };
}
