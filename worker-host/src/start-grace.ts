// A start-up step the stop signal may interrupt. A start cannot be cut short
// from outside (a consumer joining its group waits inside kafkajs, whose
// stop() during a join returns at once and lets the consumer go on to consume
// once the join completes), so a step in progress when the signal comes is
// given a short grace to finish; what it started is then stopped like the
// rest, and a member that finished joining leaves its group at once instead
// of holding the others' rebalance for a session timeout. A step still
// running after the grace is given up on.

import { PipelineError } from "@lingostream/runtime";

/**
 * How long a start in progress may still take once the stop signal came, ms.
 * A join completes once every member has rejoined: within a second or two
 * when the others are idle, but up to the members' rebalance timeout
 * (kafkajs's 60 s) when one is busy with a batch, too long to hold a stop for.
 * Far below every role's grace period in infra/k8s (30 s for the monitor,
 * more for the others), so the stops that follow still fit.
 */
export const START_GRACE_MS = 10_000;

/**
 * Resolves or rejects as `step` does, unless the signal aborts and `step` has
 * not settled `graceMs` later: then rejects with an "aborted" PipelineError
 * naming `what`, and hands whatever `step` produces afterwards to `lateResult`
 * (to stop it), so nothing started late stays running.
 */
export async function settleWithinGrace<T>(
  what: string,
  step: Promise<T>,
  signal: AbortSignal | undefined,
  options: { graceMs?: number; lateResult?: (value: T) => unknown } = {},
): Promise<T> {
  if (signal === undefined) return step;
  const graceMs = options.graceMs ?? START_GRACE_MS;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const graceOver = new Promise<"late">((resolve) => {
    onAbort = () => {
      timer = setTimeout(() => resolve("late"), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const first = await Promise.race([step.then((value) => ({ value })), graceOver]);
    if (first !== "late") return first.value;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
  step.then(options.lateResult, () => {}).catch(() => {});
  throw new PipelineError("aborted", `stopped during start-up: ${what} had not finished ${Math.round(graceMs / 1000)} s after the stop signal, so it was given up on, not drained`);
}
