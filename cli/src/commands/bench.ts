// `lingostream bench [names...] [--quick]`: runs the benchmarks in bench/ on the
// local stack, with the pipeline wired exactly as `transcribe` runs it, and
// writes bench/results/<name>.json and SUMMARY.md.

import { PipelineError } from "@lingostream/runtime";
import { ROLES, startServices, stopServices } from "@lingostream/worker-host";
import type { Command } from "commander";
import { ensureLocalStack } from "./stack.ts";
import { transcribe } from "./transcribe.ts";

/** The suite's benchmarks, for the help text (the suite itself loads only when run; a test holds this equal to it). */
export const BENCHMARK_NAMES_IN_HELP = [
  "memory-flatness", "overhead", "throughput", "backpressure", "engine", "segmenter", "backlog", "resume", "fairness", "scaling",
] as const;

export function registerBenchCommand(program: Command): void {
  program
    .command("bench")
    .description("run benchmarks (baseline and subject side by side) and write bench/results/")
    .argument("[names...]", `benchmarks to run: ${BENCHMARK_NAMES_IN_HELP.join(", ")} (default: all)`)
    .option("--quick", "small sizes, for development (a minute or two each)")
    .action(async (names: string[], opts: { quick?: boolean }) => {
      await ensureLocalStack();
      const { runBenchmarks } = await loadBenchSuite();
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

/**
 * The suite is development tooling, not a dependency of the command: it is
 * loaded only here, and an install without it (a packaged CLI) says so.
 */
async function loadBenchSuite(): Promise<typeof import("@lingostream/bench")> {
  try {
    return await import("@lingostream/bench");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && String((err as Error).message).includes("@lingostream/bench")) {
      throw new PipelineError("config-invalid", "the benchmark suite is not installed here; run `lingostream bench` from a checkout of the repository", { retriable: false });
    }
    throw err;
  }
}
