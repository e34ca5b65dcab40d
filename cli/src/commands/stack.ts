// `lingostream stack up|status|down`: the local Kafka, registry and S3 servers
// as plain processes (infra/local-stack/stack.sh does the process work).

import { spawn } from "node:child_process";
import { PipelineError } from "@lingostream/runtime";
import { type Command, Option } from "commander";
import { inCheckout, STACK_SCRIPT } from "../paths.ts";
import { addExamples } from "../usage.ts";

export function runStackScript(args: string[], options: { quiet?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [inCheckout(STACK_SCRIPT, "the local stack"), ...args], { stdio: options.quiet ? ["ignore", "ignore", "inherit"] : "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

export async function ensureLocalStack(): Promise<void> {
  const code = await runStackScript(["up"], { quiet: true });
  // Nothing can run without it: reported like any unreachable service (exit 3).
  if (code !== 0) throw new PipelineError("broker-unreachable", `the local stack did not come up (exit ${code}); see \`lingostream stack status\``);
}

export function registerStackCommands(program: Command): void {
  const stack = program.command("stack").description("run the local Kafka + schema registry + S3 stack without Docker");
  addExamples(stack, ["lingostream stack up", "lingostream stack status", "lingostream stack down --purge"]);
  const run = async (args: string[]) => {
    process.exitCode = await runStackScript(args);
  };
  addExamples(stack.command("install").description("download the stack's jars and build its S3 server into the cache"), ["lingostream stack install"]).action(() => run(["install"]));
  const up = stack
    .command("up")
    .description("start every service (or the named ones: kafka, registry, s3) that is not running and wait until each answers")
    .argument("[services...]")
    .action((services: string[]) => run(["up", ...services]));
  addExamples(up, ["lingostream stack up", "lingostream stack up kafka"]);
  const status = stack
    .command("status")
    .description("say which services are up")
    .argument("[services...]")
    .action((services: string[]) => run(["status", ...services]));
  addExamples(status, ["lingostream stack status"]);
  const down = stack
    .command("down")
    .description("stop the services that `up` started (or the named ones); their data stays for the next `up`")
    .argument("[services...]")
    .option("--purge", "also delete their data: Kafka's records, the registry's schemas, the S3 objects")
    // Keeping the data used to need this flag; it is what `down` does now.
    .addOption(new Option("--keep-data").hideHelp())
    .action((services: string[], opts: { purge?: boolean }) => run(["down", ...(opts.purge ? ["--purge"] : []), ...services]));
  addExamples(down, ["lingostream stack down", "lingostream stack down --purge"]);
}
