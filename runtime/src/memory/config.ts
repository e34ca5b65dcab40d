// Memory pressure settings shared by the monitor and every worker: the limit
// override, level thresholds, minimum free memory, sampling and trend timing,
// and the host name that pairs a monitor's events with the workers beside it.

import { hostname } from "node:os";
import { bytes, ConfigError, type ConfigOf, type Env, int, loadConfig, num, oneOf, str } from "../config.ts";
import { type PressureThresholds, thresholdProblems } from "./levels.ts";
import { GiB, type MemoryScope, type UsageOptions } from "./usage.ts";

export const memorySpec = {
  limitBytes: bytes({
    env: "LINGOSTREAM_MEMORY_LIMIT_BYTES",
    doc: "caps the effective memory limit below min(cgroup memory.max, host MemTotal), bytes (512MiB, 2GB...); unset: no cap",
    default: undefined,
  }),
  scope: oneOf({
    env: "LINGOSTREAM_MEMORY_SCOPE",
    doc: "what the limit applies to: host (the machine or container: limit minus available) or process (each process's own RSS; workers still hold the host to its physical limit)",
    default: "host",
    values: ["host", "process"] as const satisfies readonly MemoryScope[],
  }),
  safeRatio: num({ env: "LINGOSTREAM_MEMORY_SAFE_RATIO", doc: "used/limit ratio from which the level is MODERATE (LOW below)", default: 0.7, min: 0, max: 1 }),
  warningRatio: num({ env: "LINGOSTREAM_MEMORY_WARNING_RATIO", doc: "used/limit ratio from which the level is HIGH: workers pause", default: 0.8, min: 0, max: 1 }),
  criticalRatio: num({ env: "LINGOSTREAM_MEMORY_CRITICAL_RATIO", doc: "used/limit ratio from which the level is CRITICAL: emergency cleanup", default: 0.9, min: 0, max: 1 }),
  hysteresis: num({
    env: "LINGOSTREAM_MEMORY_HYSTERESIS",
    doc: "a level is left only when the ratio is this far below its threshold (rising is immediate)",
    default: 0.05,
    min: 0,
    max: 0.5,
  }),
  minFreeRatio: num({ env: "LINGOSTREAM_MEMORY_MIN_FREE_RATIO", doc: "minimum free memory as a share of the limit; less free is HIGH", default: 0.1, min: 0, max: 1 }),
  minFreeBytes: bytes({
    env: "LINGOSTREAM_MEMORY_MIN_FREE_BYTES",
    doc: "floor of the minimum free memory, bytes; lower it for limits of a few GiB or less, where 1GiB free would mean HIGH all the time",
    default: GiB,
  }),
  pressureIntervalMs: int({ env: "LINGOSTREAM_PRESSURE_INTERVAL_MS", doc: "memory sampling and MemoryPressure heartbeat interval, ms", default: 2000, min: 50, max: 600_000 }),
  trendWindowMs: int({ env: "LINGOSTREAM_TREND_WINDOW_MS", doc: "sliding window of the trend analysis, also how often a PressureTrend is published, ms", default: 60_000, min: 100 }),
  host: str({
    env: "LINGOSTREAM_PRESSURE_HOST",
    doc: "host name pairing monitors with workers: a monitor puts it on its events, a worker obeys only events that carry its own, and `lingostream status` gives members on loopback the sources that carry its own; on Kubernetes set it to the node name (downward API spec.nodeName), since os.hostname() is the pod's name; unset: os.hostname()",
    default: undefined,
  }),
  ewmaAlpha: num({ env: "LINGOSTREAM_EWMA_ALPHA", doc: "weight of the newest sample in the used-ratio EWMA, 0 < alpha <= 1", default: 0.3, min: Number.MIN_VALUE, max: 1 }),
};

export type MemoryConfig = ConfigOf<typeof memorySpec>;

/** Loads and cross-checks the memory settings, reporting every problem at once. */
export function loadMemoryConfig(env: Env): MemoryConfig {
  const config = loadConfig(memorySpec, env);
  const problems = memoryConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export function memoryConfigProblems(config: MemoryConfig): string[] {
  const names = `${memorySpec.safeRatio.env} < ${memorySpec.warningRatio.env} < ${memorySpec.criticalRatio.env}, ${memorySpec.hysteresis.env}`;
  const problems = thresholdProblems(thresholdsOf(config)).map((p) => `${names}: ${p}`);
  if (config.trendWindowMs < config.pressureIntervalMs * 2) {
    problems.push(`${memorySpec.trendWindowMs.env}=${config.trendWindowMs} must hold at least two samples of ${memorySpec.pressureIntervalMs.env}=${config.pressureIntervalMs}`);
  }
  return problems;
}

/**
 * The host this process's pressure events are about: LINGOSTREAM_PRESSURE_HOST
 * when set (the node's name on Kubernetes), else os.hostname(). Monitors put it
 * on their events, governors obey the events that carry it, and `status` calls
 * the sources that carry it local; all three must resolve it alike to pair up.
 */
export function pressureHost(configured: string | undefined): string {
  return configured ?? hostname();
}

/** pressureHost from the environment alone, for a command that needs only the host and not the whole memory config. */
export function loadPressureHost(env: Env): string {
  return pressureHost(loadConfig({ host: memorySpec.host }, env).host);
}

export function thresholdsOf(config: MemoryConfig): PressureThresholds {
  return { safeRatio: config.safeRatio, warningRatio: config.warningRatio, criticalRatio: config.criticalRatio, hysteresis: config.hysteresis };
}

export function usageOptionsOf(config: MemoryConfig, scope: MemoryScope = config.scope): UsageOptions {
  return { scope, limitOverrideBytes: config.limitBytes, minFreeRatio: config.minFreeRatio, minFreeFloorBytes: config.minFreeBytes };
}
