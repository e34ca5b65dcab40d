// `lingostream test`: brings the local stack up, then runs build, lint and
// every unit and integration test.

import { spawn } from "node:child_process";
import type { Command } from "commander";
import { REPO_ROOT } from "../paths.ts";
import { ensureLocalStack } from "./stack.ts";

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

export function registerTestCommand(program: Command): void {
  program
    .command("test")
    .description("start the local stack if needed and run build, lint, unit and integration tests")
    .option("--unit", "unit tests only (no stack needed)")
    .action(async (opts: { unit?: boolean }) => {
      if (!opts.unit) await ensureLocalStack();
      process.exitCode = await run("npm", ["run", opts.unit ? "test:unit" : "test", "--silent"]);
    });
}
