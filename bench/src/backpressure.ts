// backpressure: pressure event → consumer paused (p50/p99), threshold crossed →
// paused in sampling intervals, the CPU cost of sampling, and a processor's peak
// RSS at MODERATE vs LOW on the same load. Each part (backpressure/*.ts) runs on
// topics of its own, removed afterwards.

import type { BenchContext, Benchmark, BenchmarkOutcome, Row } from "./report.ts";
import { withBenchStack } from "./backpressure/bench-stack.ts";
import { CROSSING_NOTE, type CrossingRun, measureCrossingToPause } from "./backpressure/crossing-to-pause.ts";
import { type EventToPause, measureEventToPause } from "./backpressure/event-to-pause.ts";
import { measureRssModerateVsLow, type RssModerateVsLow } from "./backpressure/rss-moderate-vs-low.ts";
import { measureSamplingCpu, type SamplingCpu } from "./backpressure/sampling-cpu.ts";

interface Sizes {
  /** Trials of pressure event → paused. */
  eventTrials: number;
  /** Threshold-crossing trials per sampling interval. */
  crossing: { intervalMs: number; trials: number }[];
  /** Back-to-back samples timed for the per-sample CPU cost. */
  cpuSamples: number;
  /** How long the real monitor runs for the per-tick CPU cost, ms. */
  monitorRunMs: number;
  /** Segments (of 8 MiB) in each RSS run. */
  rssSegments: number;
}

const FULL: Sizes = {
  eventTrials: 200,
  crossing: [
    { intervalMs: 2000, trials: 6 },
    { intervalMs: 200, trials: 15 },
  ],
  cpuSamples: 2000,
  monitorRunMs: 10_000,
  rssSegments: 40,
};

const QUICK: Sizes = { eventTrials: 40, crossing: [{ intervalMs: 200, trials: 5 }], cpuSamples: 500, monitorRunMs: 3000, rssSegments: 16 };

/** Everything measured, kept as the result's details. */
export interface BackpressureDetails {
  eventToPause: EventToPause;
  crossingToPause: { unit: "sampling intervals"; goal: number; runs: CrossingRun[]; note: string };
  samplingCpu: SamplingCpu;
  rssModerateVsLow: RssModerateVsLow;
}

export const backpressureBenchmark: Benchmark = {
  name: "backpressure",
  title: "memory pressure → consumer paused: latency, detection in sampling intervals, sampling cost",
  async run(ctx: BenchContext): Promise<BenchmarkOutcome> {
    const sizes = ctx.quick ? QUICK : FULL;
    const { log } = ctx;
    const eventToPause = await withBenchStack("event", (stack) => measureEventToPause(stack, sizes.eventTrials, log));
    const runs: CrossingRun[] = [];
    for (const { intervalMs, trials } of sizes.crossing) {
      for (const mode of ["topic-only", "as-deployed"] as const) {
        runs.push(await withBenchStack("crossing", (stack) => measureCrossingToPause(stack, intervalMs, trials, mode, log)));
      }
    }
    const samplingCpu = await withBenchStack("cpu", (stack) => measureSamplingCpu(stack, sizes.cpuSamples, sizes.monitorRunMs, log));
    const rssModerateVsLow = await withBenchStack("rss", (stack) => measureRssModerateVsLow(stack, sizes.rssSegments, log));
    return toOutcome({ eventToPause, crossingToPause: { unit: "sampling intervals", goal: 2, runs, note: CROSSING_NOTE }, samplingCpu, rssModerateVsLow });
  },
};

function toOutcome(r: BackpressureDetails): BenchmarkOutcome {
  const rows: Row[] = [];
  const notes: string[] = ["Each part on topics of its own, removed afterwards."];
  const { pause, goalP99 } = r.eventToPause;
  rows.push({ what: `MemoryPressure event published → ASR consumer paused, p50 (n=${pause.n})`, subject: { label: "p50", value: pause.p50, unit: "ms" } });
  rows.push({
    what: `MemoryPressure event published → ASR consumer paused, p99 (n=${pause.n})`,
    subject: { label: "p99", value: pause.p99, unit: "ms" },
    goal: `≤ ${goalP99} ms`,
    met: pause.p99 <= goalP99,
  });
  notes.push(r.eventToPause.note);
  for (const run of r.crossingToPause.runs) {
    rows.push({
      what: `threshold crossed → paused, ${run.intervalMs} ms sampling, ${run.mode}, p99 (n=${run.fromCrossingSample.n}; p50 ${run.fromCrossingSample.p50})`,
      subject: { label: "p99", value: run.fromCrossingSample.p99, unit: "intervals" },
      goal: `≤ ${r.crossingToPause.goal}`,
      met: run.fromCrossingSample.p99 <= r.crossingToPause.goal,
    });
  }
  notes.push(r.crossingToPause.note);
  const c = r.samplingCpu;
  rows.push({
    what: `CPU cost of sampling every 2 s (${c.perSampleCpuUs.toFixed(0)} µs per sample)`,
    subject: { label: "sampler", value: c.percentOfOneCoreAt2s, unit: "% of a core" },
    goal: `≤ ${c.goalPercentOfOneCore}%`,
    met: c.percentOfOneCoreAt2s <= c.goalPercentOfOneCore,
  });
  rows.push({ what: "CPU cost of the pressure monitor service at 2 s", subject: { label: "monitor", value: c.monitorPercentOfOneCoreAt2s, unit: "% of a core" } });
  notes.push(c.note);
  const { meanPeakRssBytes: m, meanPeakAboveBaselineBytes: above, load } = r.rssModerateVsLow;
  rows.push({
    what: "processor peak RSS on the same load, MODERATE vs LOW",
    baseline: { label: "LOW", value: m.LOW, unit: "B" },
    subject: { label: "MODERATE", value: m.MODERATE, unit: "B" },
    ratio: m.MODERATE / m.LOW,
  });
  rows.push({
    what: "processor peak RSS above its start, MODERATE vs LOW",
    baseline: { label: "LOW", value: above.LOW, unit: "B" },
    subject: { label: "MODERATE", value: above.MODERATE, unit: "B" },
    ratio: above.MODERATE / above.LOW,
  });
  notes.push(`peak RSS: ${load.segments} segments of ${load.segmentBytes} B, ${load.maxInFlight} in flight at LOW, ${load.engine}; a fresh processor process per run, LOW and MODERATE alternating`);
  return { rows, notes, details: r };
}
