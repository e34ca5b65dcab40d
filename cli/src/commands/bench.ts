// `lingostream bench [names...] [--quick]`: runs the benchmarks in bench/ on the
// local stack, with the pipeline wired exactly as `transcribe` runs it, and
// writes bench/results/<name>.json and SUMMARY.md.

import type { Command } from "commander";
import { ROLES, startServices, stopServices } from "../services.ts";
import { ensureLocalStack } from "./stack.ts";
import { transcribe } from "./transcribe.ts";

export function registerBenchCommand(program: Command): void {
  program
    .command("bench")
    .description("run benchmarks (baseline and subject side by side) and write bench/results/")
    .argument("[names...]", "benchmarks to run: memory-flatness, overhead, throughput, backpressure, engine, segmenter, backlog, resume (default: all)")
    .option("--quick", "small sizes, for development (a minute or two each)")
    .action(async (names: string[], opts: { quick?: boolean }) => {
      await ensureLocalStack();
      // Loaded only here: the suite is tooling, not part of every command's start-up.
      const { runBenchmarks } = await import("@lingostream/bench");
      const failed = await runBenchmarks({
        names,
        quick: opts.quick === true,
        pipeline: {
          async startWorkers(ctx, env) {
            const services = await startServices(ctx, ROLES, env);
            return { stop: () => stopServices(services) };
          },
          transcribe,
        },
      });
      process.exitCode = failed === 0 ? 0 : 1;
    });
}
