// The sink's classification of what goes wrong while reading a record: a
// record that can never be processed is skipped and counted, anything a retry
// can help with (a registry, S3 or Kafka outage) pauses its partition instead.

import { isPipelineError } from "@lingostream/runtime";
import { isSerdeError } from "@lingostream/schemas";

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

/** Turns a decode or read failure into a BadRecord unless a retry can help (registry or S3 outage). */
export function classifyRecordError(err: unknown): unknown {
  if (isSerdeError(err)) return err.retriable ? err : new BadRecord(err.code, err);
  if (isPipelineError(err)) {
    if (err.code === "malformed" || err.code === "invalid-id" || err.code === "oversize") return new BadRecord(err.code, err);
    return err;
  }
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return new BadRecord("malformed", err);
  return err;
}
