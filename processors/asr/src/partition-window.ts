// What a worker knows of one partition of asr.segments across fetches. A batch
// hands its segments to the fair gate and returns without waiting for them all,
// so that segments fetched later (another tenant's) can be weighed against them;
// kafkajs then fetches again from the last resolved offset. The window says which
// of the refetched segments are new to the gate, which are running and which
// are done but not yet committable, and keeps each one's claim so it is decoded once.

import type { Claim } from "./fair-gate.ts";
import { InOrderOffsets } from "./in-order-offsets.ts";

export class PartitionWindow {
  readonly #order = new InOrderOffsets();
  readonly #claims = new Map<string, Claim>();
  #highestSeen = -1n;
  /** End of the contiguous prefix of settled segments (-1: none yet); committed, or being committed. */
  #settledThrough = -1n;
  #waiters: (() => void)[] = [];
  /** No segment is offered before this time (ms): after a refusal or an infrastructure failure. */
  backoffUntil = 0;

  /** The offset through which every segment has settled: the next fetch may start after it. */
  get settledThrough(): string | undefined {
    return this.#settledThrough < 0n ? undefined : this.#settledThrough.toString();
  }

  /**
   * Registers the offset the first time it is fetched (offsets arrive in order)
   * and says whether it should be offered now: not committed, not finished,
   * not running (`running` is the processor's, across windows).
   */
  shouldOffer(offset: string, running: boolean): boolean {
    const at = BigInt(offset);
    if (at > this.#highestSeen) {
      this.#order.start(offset);
      this.#highestSeen = at;
    }
    return at > this.#settledThrough && !running && !this.#order.isFinished(offset);
  }

  claim(offset: string): Claim | undefined {
    return this.#claims.get(offset);
  }

  remember(offset: string, claim: Claim): void {
    this.#claims.set(offset, claim);
  }

  /** A segment settled: returns the offset now safe to commit past, if it moved. */
  finish(offset: string): string | undefined {
    this.#claims.delete(offset);
    const done = this.#order.finish(offset);
    // Moved before the commit is sent, so a fetch meanwhile does not offer the segment again.
    if (done !== undefined) this.#settledThrough = BigInt(done);
    this.#wake();
    return done;
  }

  /** A segment was handed back (refused or failed for the infrastructure's sake): it is offered again at the next fetch. */
  handBack(until: number): void {
    this.backoffUntil = Math.max(this.backoffUntil, until);
    this.#wake();
  }

  /** Resolves at the next settle or hand-back in this partition, or after `ms`. */
  untilSettled(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.#waiters.push(done);
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
