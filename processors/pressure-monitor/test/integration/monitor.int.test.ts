// The pressure monitor against the real local stack (Kafka, schema registry):
// with a small imposed limit and ballast allocated in this process, the level
// rises to HIGH/CRITICAL and falls back after release; the events decode through
// the registry; trends arrive; and a worker's governor, fed by the subscriber,
// pauses within two sampling intervals of the monitor's signal.
// Topics, consumer groups and subjects are this run's own and removed after.

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import {
  applyTopics,
  assertBrokersReachable,
  connectionSpec,
  createLogger,
  createServiceContext,
  deleteTopicsWithPrefix,
  loadConfig,
  loadMemoryConfig,
  loadTopicSpecs,
  PressureGovernor,
  type PressureSubscriber,
  type ServiceContext,
  startPressureSubscriber,
} from "@lingostream/runtime";
import { EventSerde, type MemoryPressure, type PressureTrend } from "@lingostream/schemas";
import { waitFor as pollFor, requireGc } from "@lingostream/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PressureMonitor, startPressureMonitor } from "../../src/index.ts";

const INTERVAL_MS = 200;
const TREND_WINDOW_MS = 1000;
/** Chunks above glibc's largest mmap threshold (32 MiB) are mmapped, so freeing them returns RSS to the OS at once. */
const CHUNK = 64 * 1024 ** 2;

const run = randomBytes(3).toString("hex");
const prefix = `it-pressure-${run}.`;
const host = hostname();
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "warn", name: "it-pressure" });
const ctx: ServiceContext = createServiceContext(loadConfig(connectionSpec, { ...process.env, LINGOSTREAM_TOPIC_PREFIX: prefix }), logger, {
  role: "it-pressure",
});
const workerCtx: ServiceContext = createServiceContext(ctx.config, logger.child({ role: "it-worker" }), { role: "it-worker" });
// A serde of its own: it has cached no schema ids, so every decode goes through the registry.
const readerSerde = new EventSerde({ registryUrl: ctx.config.registryUrl, topicPrefix: prefix });

const gc = requireGc();
const pressureEvents: { event: MemoryPressure; receivedAt: number }[] = [];
const trendEvents: PressureTrend[] = [];
let reader: ReturnType<ServiceContext["kafka"]["consumer"]> | undefined;
let monitor: PressureMonitor | undefined;
let subscriber: PressureSubscriber | undefined;
let ballast: Buffer[] = [];

const governor = new PressureGovernor({ maxInFlight: 4, heartbeatIntervalMs: INTERVAL_MS, host, gc: null });
const pauses: number[] = [];
const resumes: number[] = [];
governor.onPause(() => void pauses.push(Date.now()));
governor.onResume(() => void resumes.push(Date.now()));

/** testkit's waitFor with this file's argument order and pace. */
const waitFor = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000, everyMs = 20): Promise<T> => pollFor(probe, what, timeoutMs, everyMs);

/** The local stack may still be starting: wait for the broker and the registry rather than fail. */
async function stackUp(): Promise<void> {
  await waitFor(
    "the local stack (Kafka on localhost:9092, registry on :8081)",
    async () => {
      await assertBrokersReachable(ctx.config, ctx.logger);
      await readerSerde.registry.subjects();
      return true;
    },
    170_000,
    2000,
  );
}

const severe = (e: MemoryPressure) => e.level === "HIGH" || e.level === "CRITICAL";

beforeAll(async () => {
  await stackUp();
  const admin = ctx.kafka.admin();
  await admin.connect();
  try {
    const specs = (await loadTopicSpecs()).filter((s) => s.key === "memoryPressure" || s.key === "memoryTrends");
    await applyTopics(admin, specs, { prefix });
  } finally {
    await admin.disconnect();
  }

  reader = ctx.kafka.consumer({ groupId: `${prefix}reader`, maxWaitTimeInMs: 200 });
  await reader.connect();
  await reader.subscribe({ topics: [ctx.topics.memoryPressure, ctx.topics.memoryTrends], fromBeginning: true });
  await reader.run({
    eachMessage: async ({ topic, message }) => {
      if (!message.value) return;
      if (topic === ctx.topics.memoryPressure) {
        const decoded = await readerSerde.decodeAs("memoryPressure", message.value);
        pressureEvents.push({ event: decoded.value, receivedAt: Date.now() });
      } else {
        trendEvents.push((await readerSerde.decodeAs("memoryTrends", message.value)).value);
      }
    },
  });
});

afterAll(async () => {
  ballast = [];
  await monitor?.stop();
  await subscriber?.stop();
  await reader?.disconnect();
  // Cleanup must not hide the test's own result; a leftover is reported, not thrown.
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      console.warn(`cleanup: could not ${what}: ${(err as Error).message}`);
    }
  };
  const admin = ctx.kafka.admin();
  await attempt("delete topics and groups", async () => {
    await admin.connect();
    try {
      await admin.deleteGroups([`${prefix}reader`]).catch(() => {});
      await deleteTopicsWithPrefix(admin, prefix);
    } finally {
      await admin.disconnect();
    }
  });
  await attempt("delete subjects", async () => {
    for (const subject of (await readerSerde.registry.subjects()).filter((s) => s.startsWith(prefix))) {
      await readerSerde.registry.deleteSubject(subject);
      await readerSerde.registry.deleteSubject(subject, true);
    }
  });
  ctx.store.close();
  workerCtx.store.close();
});

describe("pressure monitor on the local stack", () => {
  it("publishes decodable MemoryPressure heartbeats at the imposed limit", async () => {
    gc();
    const baseline = process.memoryUsage().rss;
    // Baseline at about half the limit: LOW, with room for ballast to reach CRITICAL.
    const limit = 2 * baseline;
    const memory = loadMemoryConfig({
      LINGOSTREAM_MEMORY_SCOPE: "process",
      LINGOSTREAM_MEMORY_LIMIT_BYTES: String(limit),
      // A 1 GiB floor on a limit of a few hundred MiB would make every sample HIGH.
      LINGOSTREAM_MEMORY_MIN_FREE_BYTES: "0",
      LINGOSTREAM_PRESSURE_INTERVAL_MS: String(INTERVAL_MS),
      LINGOSTREAM_TREND_WINDOW_MS: String(TREND_WINDOW_MS),
    });
    monitor = await startPressureMonitor(ctx, { memory, sourceId: `${host}/it-${run}` });
    subscriber = await startPressureSubscriber(workerCtx, governor, { groupId: `${prefix}worker` });

    const first = await waitFor("a heartbeat", () => pressureEvents.find((e) => e.event.reason === "heartbeat"));
    expect(first.event).toMatchObject({
      sourceId: `${host}/it-${run}`,
      host,
      role: "pressure-monitor",
      instanceId: ctx.instanceId,
      producerId: ctx.instanceId,
      level: "LOW",
      limitBytes: limit,
      sampleIntervalMs: INTERVAL_MS,
    });
    expect(first.event.usedRatio).toBeGreaterThan(0.2);
    expect(first.event.usedRatio).toBeLessThan(0.65);
    expect(first.event.rssBytes).toBe(first.event.usedBytes);
    expect(first.event.heapUsedBytes).toBeGreaterThan(0);
    await waitFor("the governor to hear the monitor", () => (governor.tick().freshRemoteSources === 1 ? true : undefined));
    expect(governor.state).toMatchObject({ level: "LOW", paused: false, maxInFlight: 4 });
  });

  it("rises to HIGH/CRITICAL with ballast, and the worker's governor pauses within two intervals", async () => {
    const limit = monitor!.current!.usage.limitBytes;
    const allocatedAt = Date.now();
    for (let held = 0; held < limit; held += CHUNK) ballast.push(Buffer.allocUnsafeSlow(CHUNK).fill(1));
    const filledAt = Date.now();

    const signal = await waitFor("a HIGH or CRITICAL MemoryPressure", () => pressureEvents.find((e) => severe(e.event)), 10_000);
    expect(signal.event.reason).toBe("level-change");
    expect(signal.event.arrayBuffersBytes).toBeGreaterThanOrEqual(limit);
    await waitFor("the governor to pause", () => pauses[0], 10_000, 5);
    const pausedAt = pauses[0]!;
    const latency = pausedAt - signal.event.eventTime;
    console.info(
      `ballast ${((filledAt - allocatedAt) / 1000).toFixed(2)} s to fill; governor paused ${pausedAt - filledAt} ms after it was filled, ` +
        `${latency} ms after the monitor's ${signal.event.level} sample`,
    );
    expect(latency).toBeLessThanOrEqual(2 * INTERVAL_MS);
    expect(governor.state).toMatchObject({ paused: true, acceptNewWork: false, maxInFlight: 0 });
    expect(governor.admit(1).admitted).toBe(false);
    await waitFor("CRITICAL", () => pressureEvents.find((e) => e.event.level === "CRITICAL"), 10_000);
  });

  it("publishes PressureTrend windows with a sane, rising slope", async () => {
    const rising = await waitFor("a trend window that saw the rise", () => trendEvents.find((t) => t.maxRatio >= 0.9 && t.minRatio < 0.8), 10_000);
    expect(rising.slopeRatioPerSecond).toBeGreaterThan(0);
    expect(rising.slopeBytesPerSecond).toBeGreaterThan(0);
    // A ratio cannot climb more than the whole limit within one window's worth of samples.
    expect(rising.slopeRatioPerSecond).toBeLessThan(1 / (INTERVAL_MS / 1000));
    for (const t of trendEvents) {
      expect(t.samples).toBeGreaterThanOrEqual(2);
      expect(t.samples).toBeLessThanOrEqual(Math.ceil(TREND_WINDOW_MS / INTERVAL_MS) + 2);
      expect(t.windowEnd - t.windowStart).toBeLessThanOrEqual(TREND_WINDOW_MS);
      expect(t.minRatio).toBeLessThanOrEqual(t.meanRatio);
      expect(t.meanRatio).toBeLessThanOrEqual(t.maxRatio);
      expect(Number.isFinite(t.slopeRatioPerSecond)).toBe(true);
      expect(t.ewmaRatio).toBeGreaterThanOrEqual(0);
      expect(t.ewmaRatio).toBeLessThanOrEqual(1);
      if (t.level === "CRITICAL") expect(t.secondsToCritical).toBe(0);
    }
  });

  it("falls back below HIGH once the ballast is released, and the governor resumes", async () => {
    const releasedAt = Date.now();
    ballast = [];
    gc();
    const calm = await waitFor(
      "a MemoryPressure below HIGH after release",
      () => pressureEvents.find((e) => e.event.eventTime > releasedAt && !severe(e.event)),
      15_000,
    );
    expect(calm.event.reason).toBe("level-change");
    await waitFor("the governor to resume", () => resumes[0], 10_000, 5);
    expect(governor.state).toMatchObject({ paused: false, acceptNewWork: true });
    expect(governor.state.maxInFlight).toBeGreaterThan(0);
    const sequence = pressureEvents.filter((e) => e.event.reason === "level-change").map((e) => e.event.level);
    expect(sequence[0]).toBe("LOW");
    expect(sequence).toContain("CRITICAL");
    expect(["LOW", "MODERATE"]).toContain(sequence.at(-1));
  });

  it("withdraws its source with a tombstone on stop, and the governor forgets it", async () => {
    await monitor!.stop();
    await waitFor("the tombstone to reach the governor", () => (governor.tick().freshRemoteSources === 0 ? true : undefined), 10_000);
    expect(subscriber!.stats.tombstone).toBe(1);
    expect(subscriber!.stats.malformed).toBe(0);
  });
});
