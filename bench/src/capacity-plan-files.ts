// Where the capacity plan's inputs and output live: the committed benchmark
// results, the topic definitions and docs/capacity.md.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { loadTopicSpecs } from "@lingostream/runtime";
import { type CapacityInputs, capacityInputs, type ResultsByName } from "./capacity-plan-inputs.ts";
import type { BenchmarkResult } from "./report.ts";

export const CAPACITY_DOC = fileURLToPath(new URL("../../docs/capacity.md", import.meta.url));
const RESULTS = new URL("../results/", import.meta.url);

/** The benchmarks the plan reads; scaling only once it has been run. */
const PLAN_BENCHMARKS = ["engine", "backlog", "throughput", "scaling"] as const;

export async function readCapacityResults(resultsDir: URL = RESULTS): Promise<ResultsByName> {
  const results: Record<string, BenchmarkResult> = {};
  for (const name of PLAN_BENCHMARKS) {
    const file = new URL(`${name}.json`, resultsDir);
    if (existsSync(file)) results[name] = JSON.parse(await readFile(file, "utf8")) as BenchmarkResult;
  }
  return results;
}

export async function loadCapacityInputs(resultsDir?: URL): Promise<CapacityInputs> {
  return capacityInputs(await readCapacityResults(resultsDir), await loadTopicSpecs());
}
