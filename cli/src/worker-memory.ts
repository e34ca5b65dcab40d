// One memory governor per worker process: fed by its own sampling and by the
// pressure topic, read by the ASR processor (pause, fewer in flight) and the
// segmenter (no new cuts under HIGH or CRITICAL).

import {
  MemorySampler,
  PressureGovernor,
  computeUsage,
  governorBackpressure,
  registerMemoryMetrics,
  startLocalSampling,
  startPressureSubscriber,
  thresholdsOf,
  usageOptionsOf,
  type MemoryConfig,
  type ServiceContext,
} from "@lingostream/runtime";
import type { Backpressure } from "@lingostream/asr";

export interface WorkerMemory {
  governor: PressureGovernor;
  backpressure: Backpressure;
  /** Resolves once the level allows new work; what the segmenter awaits before each cut. */
  whenAccepting(signal: AbortSignal): Promise<void>;
  effectiveLimitBytes: number;
  stop(): Promise<void>;
}

export async function startWorkerMemory(ctx: ServiceContext, memory: MemoryConfig, maxInFlight: number): Promise<WorkerMemory> {
  const logger = ctx.logger.child({ component: "governor", instanceId: ctx.instanceId });
  const sampler = new MemorySampler();
  const usage = usageOptionsOf(memory);
  const governor = new PressureGovernor({
    maxInFlight,
    thresholds: thresholdsOf(memory),
    usage: { limitOverrideBytes: usage.limitOverrideBytes, minFreeRatio: usage.minFreeRatio, minFreeFloorBytes: usage.minFreeFloorBytes },
    heartbeatIntervalMs: memory.pressureIntervalMs,
    onError: (err, hook) => logger.error({ err: String(err), hook }, "memory hook failed"),
  });
  const first = await sampler.sample();
  governor.observeLocal(first);
  const effectiveLimitBytes = computeUsage(first, usage).limitBytes;
  governor.onChange((state, previous) => logger.warn({ level: state.level, previous: previous.level, paused: state.paused, maxInFlight: state.maxInFlight }, "memory level changed"));
  registerMemoryMetrics(ctx.metrics, "worker", { governor });
  const sampling = startLocalSampling({ governor, sampler, intervalMs: memory.pressureIntervalMs, onError: (err) => logger.warn({ err: String(err) }, "memory sample failed") });
  const subscriber = await startPressureSubscriber(ctx, governor, { waitForCatchUp: false });
  const backpressure = governorBackpressure(governor);
  return {
    governor,
    backpressure,
    effectiveLimitBytes,
    whenAccepting: (signal) => backpressure.waitUntilResumed(signal),
    async stop() {
      await sampling.stop();
      await subscriber.stop();
      await sampler.close();
    },
  };
}
