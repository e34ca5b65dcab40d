// The paused state of one partition. After a failed write or read the
// partition stops fetching and waits a backoff that grows with each consecutive
// failure, so an outage is retried slowly instead of piling up records the sink
// cannot write; the first success clears it.

import { backoffDelay, type RetryPolicy } from "@lingostream/runtime";

/** Failures past this many no longer lengthen the wait (the policy's maxDelayMs caps it long before). */
const MAX_COUNTED_FAILURES = 20;

export class PartitionBackoff {
  private readonly policy: RetryPolicy;
  private readonly clock: () => number;
  private _failures = 0;
  private retryAt: number | undefined;

  constructor(policy: RetryPolicy, clock: () => number = Date.now) {
    this.policy = policy;
    this.clock = clock;
  }

  get paused(): boolean {
    return this.retryAt !== undefined;
  }

  /** Consecutive failures since the partition last ran. */
  get failures(): number {
    return this._failures;
  }

  /** Records one more failure and pauses; returns the wait before the next try, ms. */
  fail(): number {
    this._failures += 1;
    const delayMs = backoffDelay(this.policy, Math.min(this._failures, MAX_COUNTED_FAILURES));
    this.retryAt = this.clock() + delayMs;
    return delayMs;
  }

  /** Paused and its wait is over: time to try again. */
  isDue(now = this.clock()): boolean {
    return this.retryAt !== undefined && this.retryAt <= now;
  }

  /** The partition runs again; the next failure starts the backoff from the beginning. */
  clear(): void {
    this._failures = 0;
    this.retryAt = undefined;
  }
}
