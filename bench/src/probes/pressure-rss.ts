// Child side of the backpressure benchmark's RSS part: an ASR processor whose
// governor sits at LOW or at MODERATE (forced by thresholds) works through the
// backlog the parent seeded, with its RSS polled as it goes.

import { asrSpec, createEngine, startAsrProcessor } from "@lingostream/asr";
import {
  connectionSpec,
  createLogger,
  createServiceContext,
  defaultThresholds,
  fullSpeed,
  governorBackpressure,
  HandleRegistry,
  loadConfig,
  MemorySampler,
  PressureGovernor,
  type PressureThresholds,
  startLocalSampling,
} from "@lingostream/runtime";

export interface PressureRssArgs {
  mode: "LOW" | "MODERATE";
  /** The consumer group, one per run, so each run reads the whole backlog. */
  group: string;
  segments: number;
  maxInFlight: number;
  engineMsPerAudioSecond: number;
}

export interface PressureRssResult {
  mode: "LOW" | "MODERATE";
  level: string;
  maxInFlightAllowed: number;
  baselineRssBytes: number;
  peakRssBytes: number;
  durationMs: number;
  settled: number;
}

// MODERATE is forced by a safe ratio every machine exceeds; nothing reaches HIGH.
const FORCED_MODERATE: PressureThresholds = { safeRatio: 0.0001, warningRatio: 0.98, criticalRatio: 0.99, hysteresis: 0 };

export async function runPressureRssProbe(args: PressureRssArgs): Promise<PressureRssResult> {
  const ctx = createServiceContext(loadConfig(connectionSpec, process.env), createLogger({ level: "error", name: "bench-rss" }), { role: "bench-rss" });
  const governor = new PressureGovernor({
    maxInFlight: args.maxInFlight,
    thresholds: args.mode === "MODERATE" ? FORCED_MODERATE : defaultThresholds,
    usage: { minFreeRatio: 0, minFreeFloorBytes: 0 },
    heartbeatIntervalMs: 2000,
  });
  const sampler = new MemorySampler();
  governor.observeLocal(await sampler.sample());
  const sampling = startLocalSampling({ governor, sampler, intervalMs: 500 });
  let settled = 0;
  let allSettled: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    allSettled = resolve;
  });
  const baselineRssBytes = process.memoryUsage().rss;
  let peakRssBytes = baselineRssBytes;
  const probe = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
  }, 5);
  const started = Date.now();
  const processor = await startAsrProcessor(ctx, {
    config: loadConfig(asrSpec, {
      ...process.env,
      LINGOSTREAM_ASR_GROUP: args.group,
      LINGOSTREAM_ASR_ENGINE: "deterministic",
      LINGOSTREAM_ASR_MAX_IN_FLIGHT: String(args.maxInFlight),
    }),
    engineFactory: (name) => createEngine(name, { deterministic: { delayMsPerAudioSecond: args.engineMsPerAudioSecond } }),
    backpressure: governorBackpressure(governor, fullSpeed.limitBytes),
    handles: new HandleRegistry(),
    onSettled: () => {
      if (++settled >= args.segments) allSettled();
    },
  });
  try {
    await finished;
  } finally {
    clearInterval(probe);
  }
  const durationMs = Date.now() - started;
  peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
  const level = governor.state.level;
  const maxInFlightAllowed = governor.state.maxInFlight;
  await processor.stop();
  await sampling.stop();
  await sampler.close();
  ctx.store.close();
  return { mode: args.mode, level, maxInFlightAllowed, baselineRssBytes, peakRssBytes, durationMs, settled };
}
