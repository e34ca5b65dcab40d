// backpressure: pressure event → consumer paused (p50/p99), threshold crossed →
// paused in sampling intervals, the CPU cost of sampling, and RSS at MODERATE
// vs LOW. The measurement itself is bench/backpressure-latency.ts, maintained
// separately; this adapts its run() and its result to the runner.

import { access } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { BenchContext, Benchmark, BenchmarkOutcome, Row } from "./report.ts";

const MODULE = new URL("../backpressure-latency.ts", import.meta.url);

interface Distribution {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** The part of backpressure-latency.ts's result read here; anything else passes through as details. */
interface LatencyResult {
  eventToPause?: { goalP99: number; pause: Distribution; resume?: Distribution; note?: string };
  crossingToPause?: { goal: number; runs: { intervalMs: number; mode: string; fromCrossingSample: Distribution; fromAllocation: Distribution }[]; note?: string };
  samplingCpu?: { goalPercentOfOneCore: number; percentOfOneCoreAt2s: number; monitorPercentOfOneCoreAt2s: number; perSampleCpuUs: number; note?: string };
  rssModerateVsLow?: { meanPeakRssBytes: { LOW: number; MODERATE: number }; meanPeakAboveBaselineBytes?: { LOW: number; MODERATE: number }; load?: unknown };
}

interface LatencyModule {
  run(options: Record<string, unknown>): Promise<LatencyResult>;
}

/** The module's own BENCH_QUICK sizes, passed as options rather than through the environment. */
const QUICK_OPTIONS = { eventTrials: 40, crossing: [{ intervalMs: 200, trials: 5 }], cpuSamples: 500, monitorRunMs: 3000, rssSegments: 16 };

export const backpressureBenchmark: Benchmark = {
  name: "backpressure",
  title: "memory pressure → consumer paused: latency, detection in sampling intervals, sampling cost",
  async unavailable() {
    const present = await access(fileURLToPath(MODULE)).then(
      () => true,
      () => false,
    );
    return present ? undefined : "bench/backpressure-latency.ts is not there";
  },
  async run(ctx: BenchContext): Promise<BenchmarkOutcome> {
    const mod = (await import(MODULE.href)) as Partial<LatencyModule>;
    if (typeof mod.run !== "function") throw new Error("bench/backpressure-latency.ts exports no run()");
    // out: null — the runner writes bench/results/backpressure.json itself.
    const result = await mod.run({ ...(ctx.quick ? QUICK_OPTIONS : {}), out: null, log: ctx.log });
    return toOutcome(result);
  },
};

function toOutcome(r: LatencyResult): BenchmarkOutcome {
  const rows: Row[] = [];
  const notes: string[] = ["Measured by bench/backpressure-latency.ts (see its header); each part on topics of its own, removed afterwards."];
  if (r.eventToPause) {
    const { pause, goalP99 } = r.eventToPause;
    rows.push({ what: `MemoryPressure event published → ASR consumer paused, p50 (n=${pause.n})`, subject: { label: "p50", value: pause.p50, unit: "ms" } });
    rows.push({
      what: `MemoryPressure event published → ASR consumer paused, p99 (n=${pause.n})`,
      subject: { label: "p99", value: pause.p99, unit: "ms" },
      goal: `≤ ${goalP99} ms`,
      met: pause.p99 <= goalP99,
    });
    if (r.eventToPause.note) notes.push(r.eventToPause.note);
  }
  if (r.crossingToPause) {
    for (const run of r.crossingToPause.runs) {
      rows.push({
        what: `threshold crossed → paused, ${run.intervalMs} ms sampling, ${run.mode}, p99 (n=${run.fromCrossingSample.n}; p50 ${run.fromCrossingSample.p50})`,
        subject: { label: "p99", value: run.fromCrossingSample.p99, unit: "intervals" },
        goal: `≤ ${r.crossingToPause.goal}`,
        met: run.fromCrossingSample.p99 <= r.crossingToPause.goal,
      });
    }
    if (r.crossingToPause.note) notes.push(r.crossingToPause.note);
  }
  if (r.samplingCpu) {
    const c = r.samplingCpu;
    rows.push({
      what: `CPU cost of sampling every 2 s (${c.perSampleCpuUs.toFixed(0)} µs per sample)`,
      subject: { label: "sampler", value: c.percentOfOneCoreAt2s, unit: "% of a core" },
      goal: `≤ ${c.goalPercentOfOneCore}%`,
      met: c.percentOfOneCoreAt2s <= c.goalPercentOfOneCore,
    });
    rows.push({ what: "CPU cost of the pressure monitor service at 2 s", subject: { label: "monitor", value: c.monitorPercentOfOneCoreAt2s, unit: "% of a core" } });
    if (c.note) notes.push(c.note);
  }
  if (r.rssModerateVsLow) {
    const m = r.rssModerateVsLow.meanPeakRssBytes;
    rows.push({
      what: "processor peak RSS on the same load, MODERATE vs LOW",
      baseline: { label: "LOW", value: m.LOW, unit: "B" },
      subject: { label: "MODERATE", value: m.MODERATE, unit: "B" },
      ratio: m.MODERATE / m.LOW,
    });
    const above = r.rssModerateVsLow.meanPeakAboveBaselineBytes;
    if (above) {
      rows.push({
        what: "processor peak RSS above its start, MODERATE vs LOW",
        baseline: { label: "LOW", value: above.LOW, unit: "B" },
        subject: { label: "MODERATE", value: above.MODERATE, unit: "B" },
        ratio: above.MODERATE / above.LOW,
      });
    }
  }
  return { rows, notes, details: r };
}
