import { setTimeout as sleep } from "node:timers/promises";
import { createLogger, type MemoryConfig, type MemorySample, Registry, type ServiceContext } from "@lingostream/runtime";
import { type MemoryPressure, type PressureTrend, topicNames } from "@lingostream/schemas";
import { describe, expect, it } from "vitest";
import { loadPressureMonitorConfig } from "./config.ts";
import { startPressureMonitor } from "./service.ts";

const GiB = 1024 ** 3;

const memory: MemoryConfig = {
  limitBytes: undefined,
  scope: "host",
  safeRatio: 0.7,
  warningRatio: 0.8,
  criticalRatio: 0.9,
  hysteresis: 0.05,
  minFreeRatio: 0.1,
  minFreeBytes: 0,
  pressureIntervalMs: 5,
  trendWindowMs: 30,
  ewmaAlpha: 0.3,
  host: undefined,
};

interface Sent {
  topic: string;
  key: string;
  value: MemoryPressure | PressureTrend | null;
}

/** A context whose producer records what it is given and whose serde encodes JSON. */
function fakeContext() {
  const sent: Sent[] = [];
  let connected = false;
  const ctx = {
    config: { kafkaBrokers: ["fake:9092"] },
    logger: createLogger({ level: "silent" }),
    metrics: new Registry(),
    topics: topicNames("t."),
    instanceId: "monitor-test-1",
    serde: {
      register: async () => 1,
      encode: async (_key: string, value: unknown) => Buffer.from(JSON.stringify(value)),
    },
    kafka: {
      producer: () => ({
        connect: async () => {
          connected = true;
        },
        disconnect: async () => {
          connected = false;
        },
        send: async ({ topic, messages }: { topic: string; messages: { key: string; value: Buffer | null }[] }) => {
          for (const m of messages) sent.push({ topic, key: m.key, value: m.value && JSON.parse(m.value.toString()) });
        },
      }),
    },
  } as unknown as ServiceContext;
  return { ctx, sent, isConnected: () => connected };
}

/** Replays host ratios, one per sample, then holds the last. */
function series(ratios: number[]) {
  let i = 0;
  let now = 1_000_000;
  return {
    clock: () => now,
    sampler: {
      async sample(): Promise<MemorySample> {
        const ratio = ratios[Math.min(i++, ratios.length - 1)]!;
        now += 5;
        return {
          time: now,
          process: { rssBytes: 100, heapUsedBytes: 50, heapTotalBytes: 60, externalBytes: 10, arrayBuffersBytes: 5 },
          host: { totalBytes: 10 * GiB, availableBytes: Math.round(10 * GiB * (1 - ratio)), source: "meminfo" },
          cgroup: null,
          psi: { someAvg10: 0.5, fullAvg10: null },
        };
      },
    },
  };
}

async function until(check: () => boolean, ms = 2000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(2);
  }
}

describe("startPressureMonitor", () => {
  it("publishes a level change at once, heartbeats after, and trends per window", async () => {
    const { ctx, sent, isConnected } = fakeContext();
    const { sampler, clock } = series([0.5, 0.5, 0.85, 0.85, 0.85, 0.95, 0.95, 0.5, 0.5, 0.5, 0.5]);
    const monitor = await startPressureMonitor(ctx, { memory, sampler, clock, host: "node-a" });
    await until(() => monitor.stats.samples >= 11 && sent.some((s) => s.topic === "t.asr.memory.trends"));
    await monitor.stop();
    await monitor.done;

    const pressure = sent.filter((s) => s.topic === "t.asr.memory.pressure");
    const values = pressure.map((s) => s.value as MemoryPressure | null);
    expect(pressure.every((s) => s.key === "node-a")).toBe(true);
    const changes = values.filter((v) => v?.reason === "level-change").map((v) => v!.level);
    expect(changes).toEqual(["LOW", "HIGH", "CRITICAL", "LOW"]);
    expect(values.filter((v) => v?.reason === "heartbeat").length).toBeGreaterThan(0);
    expect(values[0]).toMatchObject({
      sourceId: "node-a",
      host: "node-a",
      instanceId: "monitor-test-1",
      role: "pressure-monitor",
      usedRatio: 0.5,
      limitBytes: 10 * GiB,
      usedBytes: 5 * GiB,
      rssBytes: 100,
      psiSomeAvg10: 0.5,
      psiFullAvg10: null,
      sampleIntervalMs: 5,
      producerId: "monitor-test-1",
    });
    // Stopping withdraws the source with a tombstone.
    expect(values.at(-1)).toBeNull();

    const trend = sent.find((s) => s.topic === "t.asr.memory.trends")!.value as PressureTrend;
    expect(trend).toMatchObject({ sourceId: "node-a", host: "node-a", producerId: "monitor-test-1" });
    expect(trend.samples).toBeGreaterThanOrEqual(2);
    expect(trend.slopeRatioPerSecond).toBeGreaterThan(0);
    expect(isConnected()).toBe(false);
  });

  it("reports its state and metrics, keyed by instance in process scope", async () => {
    const { ctx } = fakeContext();
    const { sampler, clock } = series([0.85]);
    const monitor = await startPressureMonitor(ctx, { memory, sampler, clock, host: "node-a", scope: "process", withdrawOnStop: false });
    await until(() => monitor.current !== undefined);
    await monitor.stop();
    expect(monitor.sourceId).toBe("node-a/pressure-monitor/monitor-test-1");
    // Process scope: 100 bytes of RSS against 10 GiB.
    expect(monitor.current).toMatchObject({ level: "LOW", usage: { scope: "process", usedBytes: 100 } });
    const text = await ctx.metrics.metrics();
    expect(text).toContain("lingostream_monitor_level 0");
    expect(text).toContain(`lingostream_monitor_limit_bytes ${10 * GiB}`);
    expect(text).toMatch(/lingostream_monitor_samples_total\{outcome="ok"\} [1-9]/);
    expect(text).toContain("lingostream_monitor_event_loop_lag_seconds");
  });

  it("keeps sampling after a failed sample", async () => {
    const { ctx } = fakeContext();
    const { sampler, clock } = series([0.2]);
    let calls = 0;
    const flaky = {
      sample() {
        if (calls++ === 0) return Promise.reject(new Error("EIO"));
        return sampler.sample();
      },
    };
    const monitor = await startPressureMonitor(ctx, { memory, sampler: flaky, clock, host: "h" });
    await until(() => monitor.stats.samples >= 2);
    await monitor.stop();
    expect(monitor.stats.sampleErrors).toBe(1);
  });

  it("names its events by LINGOSTREAM_PRESSURE_HOST and LINGOSTREAM_PRESSURE_SOURCE_ID, at the interval LINGOSTREAM_PRESSURE_INTERVAL_MS sets", async () => {
    const names = async (env: Record<string, string>) => {
      const { ctx, sent } = fakeContext();
      const { sampler, clock } = series([0.5]);
      const config = loadPressureMonitorConfig(env);
      const monitor = await startPressureMonitor(ctx, { memory: config, sourceId: config.sourceId, sampler, clock, withdrawOnStop: false });
      await until(() => sent.length > 0);
      await monitor.stop();
      const first = sent[0]!.value as MemoryPressure;
      return { key: sent[0]!.key, sourceId: first.sourceId, host: first.host, sampleIntervalMs: first.sampleIntervalMs };
    };
    expect(await names({ LINGOSTREAM_PRESSURE_HOST: "node-a", LINGOSTREAM_PRESSURE_INTERVAL_MS: "100" })).toEqual({
      key: "node-a",
      sourceId: "node-a",
      host: "node-a",
      sampleIntervalMs: 100,
    });
    expect(await names({ LINGOSTREAM_PRESSURE_HOST: "node-a", LINGOSTREAM_PRESSURE_SOURCE_ID: "ramp-probe" })).toEqual({
      key: "ramp-probe",
      sourceId: "ramp-probe",
      host: "node-a",
      sampleIntervalMs: 2000,
    });
  });
});
