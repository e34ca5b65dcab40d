// One memory governor per worker process: fed by its own sampling and by the
// pressure topic, handed to every service as the one Backpressure contract
// (runtime/src/memory/backpressure.ts), which each applies where it pauses.
// Also the process's one audio handle registry, whose leak counter is a metric.

import {
  type Backpressure,
  computeUsage,
  type GovernorOptions,
  governorBackpressure,
  HandleRegistry,
  type MemoryConfig,
  MemorySampler,
  PressureGovernor,
  registerMemoryMetrics,
  type ServiceContext,
  startLocalSampling,
  startPressureSubscriber,
  thresholdsOf,
  usageOptionsOf,
} from "@lingostream/runtime";

export interface WorkerMemory {
  governor: PressureGovernor;
  backpressure: Backpressure;
  /** Owns every audio buffer of this process; live and leaked counts are metrics. */
  handles: HandleRegistry;
  stop(): Promise<void>;
}

/** The governor a worker runs under these settings. */
export function governorOptionsOf(memory: MemoryConfig, maxInFlight: number): GovernorOptions {
  const usage = usageOptionsOf(memory);
  return {
    maxInFlight,
    thresholds: thresholdsOf(memory),
    usage: { limitOverrideBytes: usage.limitOverrideBytes, minFreeRatio: usage.minFreeRatio, minFreeFloorBytes: usage.minFreeFloorBytes },
    // In process scope the limit is each process's budget; the machine is still held to its own limit.
    hostUsage: memory.scope === "process" ? { minFreeRatio: usage.minFreeRatio, minFreeFloorBytes: usage.minFreeFloorBytes } : undefined,
    heartbeatIntervalMs: memory.pressureIntervalMs,
    // The monitor's events name the machine it samples (the node on Kubernetes, where os.hostname() is the pod).
    host: memory.host,
  };
}

export async function startWorkerMemory(ctx: ServiceContext, memory: MemoryConfig, maxInFlight: number): Promise<WorkerMemory> {
  const logger = ctx.logger.child({ component: "governor", instanceId: ctx.instanceId });
  const sampler = new MemorySampler();
  const usage = usageOptionsOf(memory);
  const governor = new PressureGovernor({
    ...governorOptionsOf(memory, maxInFlight),
    onError: (err, hook) => logger.error({ err: String(err), hook }, "memory hook failed"),
  });
  const first = await sampler.sample();
  governor.observeLocal(first);
  const effectiveLimitBytes = computeUsage(first, usage).limitBytes;
  governor.onChange((state, previous) => logger.warn({ level: state.level, previous: previous.level, paused: state.paused, maxInFlight: state.maxInFlight }, "memory level changed"));
  const handles = new HandleRegistry({
    onLeak: (leak) => logger.error({ ...leak }, "audio handle garbage-collected without release: a code path forgot to release it"),
  });
  registerMemoryMetrics(ctx.metrics, "worker", { governor, handles });
  const sampling = startLocalSampling({ governor, sampler, intervalMs: memory.pressureIntervalMs, onError: (err) => logger.warn({ err: String(err) }, "memory sample failed") });
  const subscriber = await startPressureSubscriber(ctx, governor, { waitForCatchUp: false });
  const backpressure = governorBackpressure(governor, effectiveLimitBytes);
  return {
    governor,
    backpressure,
    handles,
    async stop() {
      await sampling.stop();
      await subscriber.stop();
      await sampler.close();
    },
  };
}
