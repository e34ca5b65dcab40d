// Peak RSS of an ASR processor on the same backlog at MODERATE vs LOW: a fresh
// processor process per run (probes/pressure-rss.ts), the levels alternating,
// so each peak is the processor's own and not this runner's.

import { SAMPLE_RATE } from "../fixtures/audio.ts";
import { runProbe } from "../probe-runner.ts";
import type { PressureRssArgs, PressureRssResult } from "../probes/pressure-rss.ts";
import { type BenchStack, publishSegments } from "./bench-stack.ts";

const MiB = 1024 ** 2;
const SEGMENT_SECONDS = 262; // 8 MiB of 16 kHz mono s16le
const SEGMENT_BYTES = SEGMENT_SECONDS * SAMPLE_RATE * 2 + 44;
const MAX_IN_FLIGHT = 8;
const ENGINE_MS_PER_SECOND = 2;

export interface RssRun extends PressureRssResult {
  /** The child's maxRSS as the kernel kept it. */
  kernelMaxRssBytes: number;
}

export interface RssModerateVsLow {
  load: { segments: number; segmentBytes: number; maxInFlight: number; engine: string };
  runs: RssRun[];
  meanPeakRssBytes: { LOW: number; MODERATE: number };
  meanPeakAboveBaselineBytes: { LOW: number; MODERATE: number };
}

export async function measureRssModerateVsLow(stack: BenchStack, segments: number, log: (line: string) => void): Promise<RssModerateVsLow> {
  const key = await publishSegments(stack, "rss-load", segments, SEGMENT_SECONDS);
  const runs: RssRun[] = [];
  try {
    for (const mode of ["LOW", "MODERATE", "LOW", "MODERATE"] as const) {
      const args: PressureRssArgs = { mode, group: `${stack.prefix}rss-${mode}-${runs.length}`, segments, maxInFlight: MAX_IN_FLIGHT, engineMsPerAudioSecond: ENGINE_MS_PER_SECOND };
      const outcome = await runProbe<PressureRssResult>("pressure-rss", args, { env: stack.env });
      const r: RssRun = { ...outcome.value, kernelMaxRssBytes: outcome.peakRssBytes };
      runs.push(r);
      log(`rss ${mode}: peak ${(r.peakRssBytes / MiB).toFixed(1)} MiB (baseline ${(r.baselineRssBytes / MiB).toFixed(1)} MiB, ${r.maxInFlightAllowed} in flight, ${r.durationMs} ms)`);
    }
  } finally {
    await stack.ctx.store.delete(key).catch(() => {});
  }
  const mean = (mode: RssRun["mode"], f: (r: RssRun) => number) => {
    const of = runs.filter((r) => r.mode === mode).map(f);
    return Math.round(of.reduce((a, b) => a + b, 0) / of.length);
  };
  return {
    load: { segments, segmentBytes: SEGMENT_BYTES, maxInFlight: MAX_IN_FLIGHT, engine: `deterministic, ${ENGINE_MS_PER_SECOND} ms per audio second` },
    runs,
    meanPeakRssBytes: { LOW: mean("LOW", (r) => r.peakRssBytes), MODERATE: mean("MODERATE", (r) => r.peakRssBytes) },
    meanPeakAboveBaselineBytes: { LOW: mean("LOW", (r) => r.peakRssBytes - r.baselineRssBytes), MODERATE: mean("MODERATE", (r) => r.peakRssBytes - r.baselineRssBytes) },
  };
}
