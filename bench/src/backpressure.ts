// backpressure: pressure event → consumer paused, and threshold crossed →
// paused in sampling intervals. The measurement itself is
// bench/backpressure-latency.ts (written separately); this adapts its run() to
// the runner, and reports it missing rather than failing while it is absent.

import { access } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Benchmark, BenchmarkOutcome, Row } from "./report.ts";

const MODULE = new URL("../backpressure-latency.ts", import.meta.url);

interface LatencyModule {
  run(options?: { quick?: boolean; log?: (line: string) => void }): Promise<unknown>;
}

async function present(): Promise<boolean> {
  return access(fileURLToPath(MODULE)).then(
    () => true,
    () => false,
  );
}

export const backpressureBenchmark: Benchmark = {
  name: "backpressure",
  title: "memory pressure → consumer paused: latency, detection in sampling intervals, sampling cost",
  async unavailable() {
    return (await present()) ? undefined : "bench/backpressure-latency.ts is not there yet";
  },
  async run(ctx): Promise<BenchmarkOutcome> {
    const mod = (await import(MODULE.href)) as Partial<LatencyModule>;
    if (typeof mod.run !== "function") throw new Error("bench/backpressure-latency.ts exports no run()");
    const result = await mod.run({ quick: ctx.quick, log: ctx.log });
    return toOutcome(result);
  },
};

/** Takes rows and notes when the module already speaks the runner's format; otherwise keeps its result as details. */
function toOutcome(result: unknown): BenchmarkOutcome {
  const r = (result ?? {}) as Partial<BenchmarkOutcome>;
  const rows = Array.isArray(r.rows) ? (r.rows as Row[]) : [];
  const notes = Array.isArray(r.notes) ? r.notes.map(String) : [];
  return { rows, notes, details: "details" in r ? r.details : result };
}
