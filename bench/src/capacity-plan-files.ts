// Where the capacity plan's inputs and output live: the committed benchmark
// results, the topic definitions and docs/capacity.md.

import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { loadTopicSpecs } from "@lingostream/runtime";
import { type CapacityAssumptions, capacityPlan, DEFAULT_ASSUMPTIONS } from "./capacity-plan.ts";
import { renderCapacityPlan, withCapacityPlan } from "./capacity-plan-doc.ts";
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

/** The plan's tables from the results in resultsDir (default bench/results). */
export async function renderCapacityTables(assumptions: CapacityAssumptions = DEFAULT_ASSUMPTIONS, resultsDir?: URL): Promise<string> {
  const inputs = await loadCapacityInputs(resultsDir);
  return renderCapacityPlan(inputs, capacityPlan(inputs, assumptions));
}

/** Rewrites the tables of docs/capacity.md from bench/results: after a benchmark run, as SUMMARY.md is. */
export async function writeCapacityDoc(): Promise<void> {
  const tables = await renderCapacityTables();
  await writeFile(CAPACITY_DOC, withCapacityPlan(await readFile(CAPACITY_DOC, "utf8"), tables));
}
