// The benchmark suite behind `lingostream bench`: see runner.ts.

export { BENCHMARK_NAMES, RESULTS_DIR, runBenchmarks, writeSummary, type RunOptions } from "./runner.ts";
export type { BenchmarkResult, PipelineHooks } from "./report.ts";
