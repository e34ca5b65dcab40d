// The exit codes of every `lingostream` command, and which failure gets which:
// scripts branch on them, so they are stable and documented in the README.

import { isInfrastructureError, isPipelineError } from "@lingostream/runtime";
import { CommanderError } from "commander";

export const EXIT = {
  /** Everything asked for was done. */
  ok: 0,
  /** The command ran but not everything succeeded: jobs failed or are partial, a benchmark missed, an unexpected error. */
  failed: 1,
  /** Bad arguments or configuration; nothing was attempted. */
  usage: 2,
  /** Kafka, the schema registry or S3 could not be reached. */
  unreachable: 3,
  /** Stopped by Ctrl-C or SIGTERM (128 + SIGINT). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Codes of the pipeline's errors that mean the request itself was wrong. */
const USAGE_CODES = new Set(["config-invalid", "invalid-id"]);

export function exitCodeOf(err: unknown): ExitCode {
  // Commander's own exits: 0 after --help or --version, otherwise a parse error.
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (isInfrastructureError(err)) return EXIT.unreachable;
  if (isPipelineError(err) && USAGE_CODES.has(err.code)) return EXIT.usage;
  if (isPipelineError(err) && err.code === "aborted") return EXIT.interrupted;
  return EXIT.failed;
}
