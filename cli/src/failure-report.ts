// What an operator sees when a command fails: one line on stderr saying what
// went wrong and what to change, and the exit code for scripts. A stack trace
// only for an error nothing anticipated, and only when LOG_LEVEL=debug asks.

import { errorMessage, isPipelineError } from "@lingostream/runtime";
import { type ExitCode, exitCodeOf } from "./exit-codes.ts";

export interface FailureReport {
  /** One line, without the trailing newline. */
  line: string;
  exitCode: ExitCode;
  /** Set for unexpected errors when debug output was asked for. */
  stack?: string;
}

export interface FailureContext {
  debug?: boolean;
}

export function reportFailure(err: unknown, context: FailureContext = {}): FailureReport {
  const exitCode = exitCodeOf(err);
  // Every adapter (Kafka, the schema registry, S3) words its errors once, in the
  // pipeline's one error type; the message is the line.
  if (!isPipelineError(err)) {
    const message = errorMessage(err);
    const report: FailureReport = { line: `unexpected error: ${oneLine(message)}${context.debug ? "" : " (LOG_LEVEL=debug shows where)"}`, exitCode };
    if (context.debug && err instanceof Error && err.stack) report.stack = err.stack;
    return report;
  }
  return { line: oneLine(err.message), exitCode };
}

function oneLine(text: string): string {
  return text
    .split("\n")
    .map((l) => l.trim().replace(/^- /, ""))
    .filter(Boolean)
    .join("; ")
    .replace(/:;/g, ":");
}

