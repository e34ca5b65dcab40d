// `lingostream test`: build, lint and every unit and integration test. The
// integration tests' global setup finds or starts their stack
// (testkit/src/stack-choice.ts).

import { spawn } from "node:child_process";
import type { Command } from "commander";
import { inCheckout, REPO_ROOT } from "../paths.ts";
import { addExamples } from "../usage.ts";

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: inCheckout(REPO_ROOT, "`lingostream test`"), stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

export function registerTestCommand(program: Command): void {
  const cmd = program
    .command("test")
    .description("run build, lint, unit and integration tests (the integration tests start the local stack if no other is set)")
    .option("--unit", "unit tests only (no stack needed)");
  addExamples(cmd, ["lingostream test --unit", "lingostream test"]);
  cmd.action(async (opts: { unit?: boolean }) => {
    process.exitCode = await run("npm", ["run", opts.unit ? "test:unit" : "test", "--silent"]);
  });
}
