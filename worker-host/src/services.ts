// Starts the long-lived services a process runs, from one environment.

import { type AsrProcessorOptions, asrSpec, type EngineFactory, resolveSlots, startAsrProcessor } from "@lingostream/asr";
import { loadPressureMonitorConfig, startPressureMonitor } from "@lingostream/pressure-monitor";
import { ConfigError, type Env, loadConfig, type RunningService, type ServiceContext } from "@lingostream/runtime";
import { segmenterSpec, startSegmenter } from "@lingostream/segmenter";
import { loadSinkConfig, startS3Sink } from "@lingostream/sink-s3";
import { settleWithinGrace } from "./start-grace.ts";
import { startWorkerMemory, type WorkerMemory } from "./worker-memory.ts";

export const ROLES = ["monitor", "sink", "asr", "segmenter"] as const;
export type Role = (typeof ROLES)[number];

/** Validates every service's config up front so that all problems are reported at once. */
export function loadServiceConfigs(env: Env) {
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      problems.push(...((err as { problems?: string[] }).problems ?? [(err as Error).message]));
      return undefined;
    }
  };
  const asr = attempt(() => loadConfig(asrSpec, env));
  const segmenter = attempt(() => loadConfig(segmenterSpec, env));
  const sink = attempt(() => loadSinkConfig(env));
  // The monitor's settings are the memory settings plus its event key: one load serves both.
  const memory = attempt(() => loadPressureMonitorConfig(env));
  // A variable several services read (LINGOSTREAM_TENANTS) is reported once.
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return { asr: asr!, segmenter: segmenter!, sink: sink!, memory: memory! };
}

export interface ServiceOverrides {
  /** Builds the ASR engines instead of the configured ones (tests inject engines with known output). */
  engineFactory?: EngineFactory;
  /** Told when the ASR processor pauses or resumes for memory pressure (tests and benchmarks time it). */
  onAsrPauseChange?: AsrProcessorOptions["onPauseChange"];
}

/**
 * Starts the roles' services, each with the one memory governor. With a stop
 * signal: once it aborts, no further service starts and those started are
 * returned for the caller to stop as it stops them all; the one starting then
 * gets settleWithinGrace's grace, after which everything started is stopped
 * and an "aborted" error thrown.
 */
export async function startServices(
  ctx: ServiceContext,
  roles: readonly Role[],
  env: Env,
  overrides: ServiceOverrides = {},
  signal?: AbortSignal,
): Promise<RunningService[]> {
  const loaded = loadServiceConfigs(env);
  const asrSlots = resolveSlots(loaded.asr.maxInFlight, { sharesProcess: roles.some((role) => role !== "asr") });
  const configs = { ...loaded, asr: { ...loaded.asr, maxInFlight: asrSlots } };
  const started: RunningService[] = [];
  const start = <T extends { stop(): Promise<void> }>(what: string, step: Promise<T>) =>
    settleWithinGrace(`the ${what}'s start`, step, signal, { lateResult: (late) => late.stop() });
  let memory: WorkerMemory | undefined;
  try {
    if (roles.includes("asr") || roles.includes("segmenter") || roles.includes("sink")) {
      memory = await start("memory governor", startWorkerMemory(ctx, configs.memory, asrSlots));
      const owned = memory;
      started.push({ name: "memory-governor", done: new Promise(() => {}), stop: () => owned.stop() });
    }
    for (const role of roles) {
      if (signal?.aborted) break;
      if (role === "monitor") started.push(await start(`${role} service`, startPressureMonitor(ctx, { memory: configs.memory, sourceId: configs.memory.sourceId })));
      if (role === "sink") started.push(await start(`${role} service`, startS3Sink(ctx, { ...configs.sink, backpressure: memory!.backpressure })));
      if (role === "asr") {
        const { backpressure, handles } = memory!;
        const options = { config: configs.asr, backpressure, handles, engineFactory: overrides.engineFactory, onPauseChange: overrides.onAsrPauseChange };
        started.push(await start(`${role} service`, startAsrProcessor(ctx, options)));
      }
      if (role === "segmenter") started.push(await start(`${role} service`, startSegmenter(ctx, { config: configs.segmenter, backpressure: memory!.backpressure })));
    }
  } catch (err) {
    await stopServices(started);
    throw err;
  }
  return started;
}

export async function stopServices(services: RunningService[]): Promise<void> {
  // Upstream first, so downstream drains what upstream produced last.
  for (const service of [...services].reverse()) await service.stop();
}
