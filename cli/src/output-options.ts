// One output convention for every command that reports something: --json, or
// --format table|json|csv where there are several formats (--json its alias).
// Results go to stdout, logs and progress to stderr, so `| jq` always works.

import { type Command, Option } from "commander";

export type OutputFormat = "table" | "json" | "csv";

export interface OutputOptions {
  json?: boolean;
  format?: OutputFormat;
}

const JSON_HELP = "print the result as JSON on stdout (logs and progress stay on stderr)";

export function addJsonOption(cmd: Command): Command {
  return cmd.option("--json", JSON_HELP);
}

/** --format with its choices checked by commander before the command runs, and --json meaning --format json. */
export function addFormatOption(cmd: Command, formats: readonly OutputFormat[], defaultFormat: OutputFormat): Command {
  return cmd
    .addOption(new Option("--format <format>", "output format").choices(formats).default(defaultFormat))
    .addOption(new Option("--json", "same as --format json").implies({ format: "json" }));
}

/** The format asked for, whichever option said it. */
export function outputFormat(opts: OutputOptions, defaultFormat: OutputFormat = "table"): OutputFormat {
  return opts.json ? "json" : (opts.format ?? defaultFormat);
}

/** The one JSON layout: indented, one document, ending in a newline. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
