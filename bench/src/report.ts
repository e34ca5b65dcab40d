// What a benchmark hands back: rows that set a subject against its baseline
// measured in the same run, plus notes, raw details and charts.

import type { ServiceContext } from "@lingostream/runtime";
import type { MachineInfo } from "./machine.ts";

export interface Measured {
  label: string;
  value: number;
  /** B, B/segment, s, ms, MiB/s, segments/s, x (a factor), ratio (a share, 0..1). */
  unit: string;
}

export interface Row {
  what: string;
  baseline?: Measured;
  subject: Measured;
  /** subject / baseline, or whatever ratio the goal is stated on. */
  ratio?: number;
  /** subject - baseline, for goals stated as a difference (word error rates). */
  delta?: number;
  goal?: string;
  met?: boolean;
}

export interface Chart {
  /** File name inside the results folder. */
  file: string;
  title: string;
}

export interface BenchmarkOutcome {
  rows: Row[];
  notes: string[];
  details: unknown;
  charts?: Chart[];
}

export interface BenchmarkResult extends BenchmarkOutcome {
  name: string;
  title: string;
  mode: "quick" | "full";
  startedAt: string;
  durationSeconds: number;
  machine: MachineInfo;
  loadAverage: { before: number[]; after: number[] };
}

/** What every benchmark is given by the runner. */
export interface BenchContext {
  quick: boolean;
  resultsDir: string;
  /** Generated media and speech, kept between runs as a cache. */
  cacheDir: string;
  log(line: string): void;
  /** The in-process pipeline, as `lingostream transcribe` runs it; wired by the cli. */
  pipeline: PipelineHooks | undefined;
}

export interface PipelineHooks {
  /** Starts every worker role in this process against the given context and environment. */
  startWorkers(ctx: ServiceContext, env: NodeJS.ProcessEnv): Promise<{ stop(): Promise<void> }>;
  /** `lingostream transcribe`; with KAFKA_BROKERS in env it submits and waits for the workers. Returns the exit code. */
  transcribe(paths: string[], opts: { out: string; language: string; engine?: string; tenant?: string }, env: NodeJS.ProcessEnv): Promise<number>;
}

export interface Benchmark {
  name: string;
  title: string;
  /** Resolves to why the benchmark cannot run here, or undefined when it can. */
  unavailable?(): Promise<string | undefined>;
  run(ctx: BenchContext): Promise<BenchmarkOutcome>;
}

export function ratio(subject: number, baseline: number): number {
  return baseline === 0 ? Number.NaN : subject / baseline;
}
