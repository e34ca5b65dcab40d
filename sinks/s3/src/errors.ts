// The sink's own errors, in the one hierarchy: a record it can never process, and
// a writer retired by a rebalance. What is retriable and what is a bad record is
// decided in bad-records.ts.

import { errorMessage, PipelineError } from "@lingostream/runtime";

/** A record that can never be processed: skipped and counted under its reason, never retried. */
export class BadRecord extends PipelineError {
  /** The bad-records metric's label: the cause's code ("malformed", "invalid-id", ...) or "empty". */
  readonly reason: string;
  constructor(reason: string, cause: unknown) {
    super("malformed", errorMessage(cause), { cause, retriable: false });
    this.name = "BadRecord";
    this.reason = reason;
  }
}

/** A writer that was retired by a rebalance tried to commit; its next owner replays instead. */
export class RetiredWriter extends PipelineError {
  constructor(message: string) {
    super("aborted", message, { retriable: false });
    this.name = "RetiredWriter";
  }
}
