// How a command is used and misused: examples under --help, and the one shape
// of a usage error (one line, then where the usage is) with exit code 2,
// raised before any connection is made.

import { ConfigError, isPipelineError } from "@lingostream/runtime";
import type { Command } from "commander";
import { EXIT } from "./exit-codes.ts";

/** "status", "failed list": the words after `lingostream`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

export function usageHint(cmd: Command): string {
  const path = commandPath(cmd);
  return `(run 'lingostream ${path ? `${path} ` : ""}--help' for usage)`;
}

/**
 * Gives every command the same error shape: commander's messages and ours
 * start "lingostream: " and are followed by that command's usage hint.
 * Called once, after every command is registered.
 */
export function configureUsageErrors(program: Command): void {
  const visit = (cmd: Command) => {
    cmd.showHelpAfterError(usageHint(cmd));
    cmd.configureOutput({ outputError: (text, write) => write(`lingostream: ${text.replace(/^error: /, "")}`) });
    for (const sub of cmd.commands) visit(sub);
  };
  visit(program);
}

/**
 * Runs a command's argument checks; a problem with what was typed becomes a
 * usage error of that command. Configuration problems (variables, config
 * file) pass through: they are reported the same way, without the hint.
 */
export function checkArgs<T>(cmd: Command, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ConfigError || !isPipelineError(err)) throw err;
    return cmd.error(err.message, { exitCode: EXIT.usage, code: "lingostream.usage" });
  }
}

/** Example invocations under the command's --help, the way kcat and rpk show them. */
export function addExamples(cmd: Command, examples: readonly string[]): Command {
  return cmd.addHelpText("after", `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}\n`);
}
