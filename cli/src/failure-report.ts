// What an operator sees when a command fails: one line on stderr saying what
// went wrong and what to change, and the exit code for scripts. A stack trace
// only for an error nothing anticipated, and only when LOG_LEVEL=debug asks.

import { isInfrastructureError, isPipelineError, unreachableError } from "@lingostream/runtime";
import { type ExitCode, exitCodeOf } from "./exit-codes.ts";

export interface FailureReport {
  /** One line, without the trailing newline. */
  line: string;
  exitCode: ExitCode;
  /** Set for unexpected errors when debug output was asked for. */
  stack?: string;
}

export interface FailureContext {
  /** Where the schema registry was looked for; its client's errors do not name the variable. */
  registryUrl?: string;
  debug?: boolean;
}

export function reportFailure(err: unknown, context: FailureContext = {}): FailureReport {
  const exitCode = exitCodeOf(err);
  const known = isPipelineError(err) || isSerdeError(err);
  if (!known) {
    const message = err instanceof Error ? err.message : String(err);
    const report: FailureReport = { line: `unexpected error: ${oneLine(message)}${context.debug ? "" : " (LOG_LEVEL=debug shows where)"}`, exitCode };
    if (context.debug && err instanceof Error && err.stack) report.stack = err.stack;
    return report;
  }
  return { line: oneLine(wording(err, context)), exitCode };
}

function wording(err: { code?: string; message: string; details?: Record<string, unknown> }, context: FailureContext): string {
  // The registry's client reports its own way; put it in the same words as Kafka and S3.
  if (isInfrastructureError(err) && err.code === "registry-unavailable" && err.details?.variable === undefined && context.registryUrl) {
    return unreachableError("registry-unavailable", { service: "the schema registry", address: context.registryUrl, variable: "SCHEMA_REGISTRY_URL" }, err).message;
  }
  return err.message;
}

/** The schema registry's error type (schemas cannot depend on runtime's): known by its name and code. */
function isSerdeError(err: unknown): err is Error & { code: string } {
  return err instanceof Error && err.name === "SerdeError" && typeof (err as { code?: unknown }).code === "string";
}

function oneLine(text: string): string {
  return text
    .split("\n")
    .map((l) => l.trim().replace(/^- /, ""))
    .filter(Boolean)
    .join("; ")
    .replace(/:;/g, ":");
}

