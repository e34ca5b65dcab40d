// Runs the chosen benchmarks one after another (they share two cores, so never
// at once), records the machine and its load around each, and writes
// bench/results/<name>.json and SUMMARY.md.

import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { backlogBenchmark } from "./backlog.ts";
import { backpressureBenchmark } from "./backpressure.ts";
import { writeCapacityDoc } from "./capacity-plan-files.ts";
import { engineBenchmark } from "./engine.ts";
import { fairnessBenchmark } from "./fairness.ts";
import { loadAverage, machineInfo } from "./machine.ts";
import { memoryFlatnessBenchmark } from "./memory-flatness.ts";
import { overheadBenchmark } from "./overhead.ts";
import type { Benchmark, BenchmarkResult, PipelineHooks } from "./report.ts";
import { resumeBenchmark } from "./resume.ts";
import { scalingBenchmark } from "./scaling.ts";
import { segmenterBenchmark } from "./segmenter.ts";
import { formatValue, renderSummary } from "./summary.ts";
import { throughputBenchmark } from "./throughput.ts";

export const BENCHMARKS: readonly Benchmark[] = [
  memoryFlatnessBenchmark,
  overheadBenchmark,
  throughputBenchmark,
  backpressureBenchmark,
  engineBenchmark,
  segmenterBenchmark,
  backlogBenchmark,
  resumeBenchmark,
  fairnessBenchmark,
  scalingBenchmark,
];

export const BENCHMARK_NAMES = BENCHMARKS.map((b) => b.name);

export const RESULTS_DIR = fileURLToPath(new URL("../results/", import.meta.url));

export interface RunOptions {
  names: readonly string[];
  quick: boolean;
  pipeline?: PipelineHooks;
  resultsDir?: string;
  cacheDir?: string;
  log?: (line: string) => void;
}

/** Resolves to the number of benchmarks that failed to run (unmet goals are results, not failures). */
export async function runBenchmarks(options: RunOptions): Promise<number> {
  const unknown = options.names.filter((n) => !BENCHMARK_NAMES.includes(n));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(", ")}; expected any of: ${BENCHMARK_NAMES.join(", ")}`);
  const chosen = options.names.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => options.names.includes(b.name));
  const resultsDir = options.resultsDir ?? RESULTS_DIR;
  const cacheDir = options.cacheDir ?? join(tmpdir(), "lingostream-bench-cache");
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  await mkdir(resultsDir, { recursive: true });
  await mkdir(cacheDir, { recursive: true });
  let failed = 0;
  for (const bench of chosen) {
    const missing = await bench.unavailable?.();
    if (missing) {
      log(`bench ${bench.name}: skipped: ${missing}`);
      continue;
    }
    const before = loadAverage();
    const startedAt = new Date();
    const started = performance.now();
    log(`bench ${bench.name}: ${bench.title}${options.quick ? " (quick)" : ""}`);
    try {
      const outcome = await bench.run({
        quick: options.quick,
        resultsDir,
        cacheDir,
        log: (line) => log(`  ${bench.name}: ${line}`),
        pipeline: options.pipeline,
      });
      const result: BenchmarkResult = {
        name: bench.name,
        title: bench.title,
        mode: options.quick ? "quick" : "full",
        startedAt: startedAt.toISOString(),
        durationSeconds: (performance.now() - started) / 1000,
        machine: machineInfo(),
        loadAverage: { before, after: loadAverage() },
        ...outcome,
      };
      await writeFile(join(resultsDir, `${bench.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
      for (const row of result.rows) {
        const figure =
          row.delta !== undefined ? `Δ ${row.delta.toFixed(3)}` : row.ratio !== undefined ? `ratio ${row.ratio.toFixed(3)}` : formatValue(row.subject);
        const goal = row.goal === undefined ? "" : ` (goal ${row.goal}: ${row.met ? "met" : "NOT met"})`;
        log(`  ${bench.name}: ${row.what}: ${figure}${goal}`);
      }
      log(`bench ${bench.name}: done in ${result.durationSeconds.toFixed(0)} s`);
    } catch (err) {
      failed++;
      log(`bench ${bench.name}: FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  await writeSummary(resultsDir);
  log(`results in ${resultsDir} (SUMMARY.md)`);
  // docs/capacity.md quotes bench/results: its tables follow them, as SUMMARY.md does.
  if (resultsDir === RESULTS_DIR) await writeCapacityDoc().then(() => log("docs/capacity.md regenerated"), (err: unknown) => log(`docs/capacity.md not regenerated: ${err instanceof Error ? err.message : String(err)}`));
  return failed;
}

export async function writeSummary(resultsDir: string): Promise<void> {
  const results: BenchmarkResult[] = [];
  const files = new Set(await readdir(resultsDir));
  for (const name of BENCHMARK_NAMES) {
    if (files.has(`${name}.json`)) results.push(JSON.parse(await readFile(join(resultsDir, `${name}.json`), "utf8")) as BenchmarkResult);
  }
  await writeFile(join(resultsDir, "SUMMARY.md"), renderSummary(results));
}
