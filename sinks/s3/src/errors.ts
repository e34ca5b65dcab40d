// The sink's own errors: a record it can never process, and a writer retired by
// a rebalance. What is retriable and what is a bad record is decided in
// bad-records.ts.

/** A record that can never be processed: skipped and counted, never retried. */
export class BadRecord extends Error {
  readonly reason: string;
  constructor(reason: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.reason = reason;
  }
}

/** A writer that was retired by a rebalance tried to commit; its next owner replays instead. */
export class RetiredWriter extends Error {}
