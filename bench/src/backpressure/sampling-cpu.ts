// The CPU cost of memory sampling: one sample (all sources, usage, level) timed
// back to back, and one tick of the real pressure monitor (sample, classify,
// trend, encode, publish) measured against this process's idle cost.

import { setTimeout as sleep } from "node:timers/promises";
import { startPressureMonitor } from "@lingostream/pressure-monitor";
import { classify, computeUsage, defaultThresholds, loadMemoryConfig, MemorySampler, type PressureLevel } from "@lingostream/runtime";
import { type BenchStack, withOwnMetrics } from "./bench-stack.ts";
import { round } from "./distribution.ts";

export interface SamplingCpu {
  goalPercentOfOneCore: number;
  perSampleCpuUs: number;
  perSampleWallUs: number;
  percentOfOneCoreAt2s: number;
  monitorTickCpuUs: number;
  monitorPercentOfOneCoreAt2s: number;
  note: string;
}

export async function measureSamplingCpu(stack: BenchStack, count: number, monitorRunMs: number, log: (line: string) => void): Promise<SamplingCpu> {
  const sampler = new MemorySampler();
  const usage = { scope: "host" as const, minFreeRatio: 0.1, minFreeFloorBytes: 1024 ** 3 };
  let level: PressureLevel | undefined;
  for (let i = 0; i < 50; i++) level = classify(computeUsage(await sampler.sample(), usage), level, defaultThresholds);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < count; i++) level = classify(computeUsage(await sampler.sample(), usage), level, defaultThresholds);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - wall0;
  await sampler.close();
  const perSampleCpuUs = cpuUs(cpu) / count;

  // The whole monitor at a fast interval, minus this process's idle cost over the same time.
  const idle0 = process.cpuUsage();
  await sleep(monitorRunMs);
  const idleUs = cpuUs(process.cpuUsage(idle0));
  const memory = loadMemoryConfig({ LINGOSTREAM_PRESSURE_INTERVAL_MS: "50", LINGOSTREAM_TREND_WINDOW_MS: "2000" });
  const monitor = await startPressureMonitor(withOwnMetrics(stack.ctx), { memory, sourceId: "bench-cpu" });
  await sleep(1000);
  const busy0 = process.cpuUsage();
  const ticks0 = monitor.stats.samples;
  await sleep(monitorRunMs);
  const busyUs = cpuUs(process.cpuUsage(busy0));
  const ticks = monitor.stats.samples - ticks0;
  await monitor.stop();
  const monitorTickCpuUs = Math.max(0, busyUs - idleUs) / Math.max(1, ticks);
  const result: SamplingCpu = {
    goalPercentOfOneCore: 1,
    perSampleCpuUs: round(perSampleCpuUs),
    perSampleWallUs: round((wall * 1000) / count),
    percentOfOneCoreAt2s: round((perSampleCpuUs / 2_000_000) * 100, 5),
    monitorTickCpuUs: round(monitorTickCpuUs),
    monitorPercentOfOneCoreAt2s: round((monitorTickCpuUs / 2_000_000) * 100, 5),
    note: `per sample: ${count} back-to-back MemorySampler.sample() + computeUsage + classify; monitor tick: the real pressure monitor at 50 ms for ${monitorRunMs} ms (${ticks} ticks) minus the same idle time, extrapolated to one tick every 2 s`,
  };
  log(`sampling CPU: ${result.perSampleCpuUs} µs per sample = ${result.percentOfOneCoreAt2s}% of a core at 2 s; whole monitor ${result.monitorTickCpuUs} µs per tick = ${result.monitorPercentOfOneCoreAt2s}% of a core at 2 s`);
  return result;
}

/** Microseconds of CPU, user and system. */
function cpuUs(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}
