// Parses and validates the filters `failed list` and `replay` share. Ids are
// checked against the id pattern here, at the edge, before they reach a key.

import { assertValidId, PipelineError } from "@lingostream/runtime";
import { ERROR_CLASS_SYMBOLS, type ErrorClass } from "@lingostream/schemas";
import type { DeadLetterFilter } from "./dead-letters/filter.ts";
import { parseTimePoint } from "./time-args.ts";

export interface FilterArgs {
  job?: string;
  tenant?: string;
  errorClass?: string;
  since?: string;
  until?: string;
}

/** "20", "20/s" or "0.5/s": segments per second. */
export function parseRate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(text.trim());
  const rate = m ? Number(m[1]) : Number.NaN;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new PipelineError("config-invalid", `invalid --rate ${JSON.stringify(text)}: use segments per second, e.g. 20/s`);
  return rate;
}

export function parseLimit(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1) throw new PipelineError("config-invalid", `invalid --limit ${JSON.stringify(text)}: use a whole number of at least 1`);
  return limit;
}

export function parseErrorClass(text: string): ErrorClass {
  if (!(ERROR_CLASS_SYMBOLS as readonly string[]).includes(text)) {
    throw new PipelineError("config-invalid", `invalid --error-class ${JSON.stringify(text)}: use one of ${ERROR_CLASS_SYMBOLS.join(", ")}`);
  }
  return text as ErrorClass;
}

export function parseFilter(args: FilterArgs, now: number): DeadLetterFilter {
  const filter: DeadLetterFilter = {};
  if (args.job !== undefined) filter.jobId = assertValidId("job id", args.job);
  if (args.tenant !== undefined) filter.tenant = assertValidId("tenant", args.tenant);
  if (args.errorClass !== undefined) filter.errorClass = parseErrorClass(args.errorClass);
  if (args.since !== undefined) filter.since = parseTimePoint(args.since, now, "--since");
  if (args.until !== undefined) filter.until = parseTimePoint(args.until, now, "--until");
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
    throw new PipelineError("config-invalid", "--since is after --until: nothing can match");
  }
  return filter;
}
