// Threshold crossed → consumer paused, in sampling intervals: a real pressure
// monitor (process scope) and ASR processor in this process while a ballast
// pushes its RSS across the HIGH ratio at a random phase of the sampling period.

import { setTimeout as sleep } from "node:timers/promises";
import { startAsrProcessor } from "@lingostream/asr";
import { startPressureMonitor } from "@lingostream/pressure-monitor";
import {
  defaultThresholds,
  governorBackpressure,
  loadMemoryConfig,
  type MemorySample,
  MemorySampler,
  PressureGovernor,
  startLocalSampling,
  startPressureSubscriber,
} from "@lingostream/runtime";
import { Ballast } from "./ballast.ts";
import { asrConfig, type BenchStack, deterministicEngines, withOwnMetrics } from "./bench-stack.ts";
import { type Distribution, distribution } from "./distribution.ts";
import { pauseWatch } from "./pause-watch.ts";

const MiB = 1024 ** 2;

/** topic-only: the worker's governor hears only asr.memory.pressure; as-deployed: it also samples itself, as cli workers do. */
export type CrossingMode = "topic-only" | "as-deployed";

export interface CrossingRun {
  intervalMs: number;
  mode: CrossingMode;
  /** (pause time - the moment RSS first read at or over the HIGH ratio) / interval: includes the wait for the next sample. */
  fromThresholdCrossed: Distribution;
  /** (pause time - the monitor's first sample at HIGH or above) / interval: detection, publication and reaction. */
  fromCrossingSample: Distribution;
  crossingSampleToPauseMs: Distribution;
}

export const CROSSING_NOTE =
  "fromThresholdCrossed: (pause time - the moment this process's RSS first read at or over the HIGH ratio while the ballast was allocated in 64 MiB steps) / interval; it includes the wait for the next sample. " +
  "fromCrossingSample: (pause time - time of the monitor's first sample at HIGH or above) / interval: detection, publication and reaction without the sampling wait. " +
  "topic-only: the worker's governor hears only asr.memory.pressure; as-deployed: it also samples itself at the same interval, as cli workers do.";

export async function measureCrossingToPause(stack: BenchStack, intervalMs: number, trials: number, mode: CrossingMode, log: (line: string) => void): Promise<CrossingRun> {
  const { ctx } = stack;
  const limitBytes = Math.ceil((process.memoryUsage().rss + 512 * MiB) / MiB) * MiB;
  const memory = loadMemoryConfig({
    LINGOSTREAM_MEMORY_SCOPE: "process",
    LINGOSTREAM_MEMORY_LIMIT_BYTES: String(limitBytes),
    LINGOSTREAM_MEMORY_MIN_FREE_BYTES: "0",
    LINGOSTREAM_PRESSURE_INTERVAL_MS: String(intervalMs),
  });
  // The monitor's samples as it takes them, to find the first one over the threshold.
  const samples: { time: number; ratio: number }[] = [];
  const inner = new MemorySampler();
  const sampler = {
    async sample(): Promise<MemorySample> {
      const s = await inner.sample();
      samples.push({ time: s.time, ratio: s.process.rssBytes / limitBytes });
      if (samples.length > 1000) samples.splice(0, 500);
      return s;
    },
  };
  const monitor = await startPressureMonitor(withOwnMetrics(ctx), { memory, sampler, sourceId: `bench-monitor-${mode}-${intervalMs}` });
  const governor = new PressureGovernor({
    maxInFlight: 2,
    heartbeatIntervalMs: intervalMs,
    usage: { limitOverrideBytes: limitBytes, minFreeRatio: 0.1, minFreeFloorBytes: 0 },
    hostUsage: { minFreeRatio: 0.1, minFreeFloorBytes: 0 },
  });
  const local = mode === "as-deployed" ? new MemorySampler() : undefined;
  const sampling = local ? startLocalSampling({ governor, sampler: local, intervalMs }) : undefined;
  const subscriber = await startPressureSubscriber(ctx, governor, { groupId: `${stack.prefix}pressure-${mode}-${intervalMs}` });
  const watch = pauseWatch(() => Date.now());
  const processor = await startAsrProcessor(withOwnMetrics(ctx), {
    config: asrConfig(stack, `asr-crossing-${mode}-${intervalMs}`),
    engineFactory: deterministicEngines(0),
    backpressure: governorBackpressure(governor, limitBytes),
    onPauseChange: (e) => watch.onPauseChange(e),
  });
  const ballast = new Ballast();
  const fromSample: number[] = [];
  const fromCrossed: number[] = [];
  const sampleToPauseMs: number[] = [];
  try {
    await sleep(2 * intervalMs + 1000);
    for (let i = 0; i < trials; i++) {
      // A random phase, so the crossing falls anywhere within a sampling period.
      await sleep(Math.random() * intervalMs);
      const paused = watch.next(true, 20 * intervalMs + 10_000);
      const began = Date.now();
      const crossedAt = await ballast.allocate(limitBytes, limitBytes, defaultThresholds.warningRatio);
      const pausedAt = await paused;
      const crossingSample = samples.find((s) => s.time >= began && s.ratio >= defaultThresholds.warningRatio);
      if (crossingSample) {
        fromSample.push((pausedAt - crossingSample.time) / intervalMs);
        sampleToPauseMs.push(pausedAt - crossingSample.time);
      }
      if (crossedAt !== undefined) fromCrossed.push((pausedAt - crossedAt) / intervalMs);
      const resumed = watch.next(false, 20 * intervalMs + 10_000);
      ballast.release();
      await resumed;
      // Both views back under HIGH before the next trial.
      while (monitor.current && monitor.current.level !== "LOW") await sleep(intervalMs / 4);
      await sleep(intervalMs);
    }
  } finally {
    ballast.release();
    await processor.stop();
    await subscriber.stop();
    await sampling?.stop();
    await local?.close();
    await monitor.stop();
    // The monitor closes only a sampler it made itself.
    await inner.close();
  }
  const run: CrossingRun = {
    intervalMs,
    mode,
    fromCrossingSample: distribution(fromSample),
    fromThresholdCrossed: distribution(fromCrossed),
    crossingSampleToPauseMs: distribution(sampleToPauseMs),
  };
  log(
    `crossing → paused (${mode}, ${intervalMs} ms sampling): from the crossing sample p50 ${run.fromCrossingSample.p50}, max ${run.fromCrossingSample.max} intervals; ` +
      `from the threshold crossed p50 ${run.fromThresholdCrossed.p50}, max ${run.fromThresholdCrossed.max} intervals (n=${trials})`,
  );
  return run;
}
