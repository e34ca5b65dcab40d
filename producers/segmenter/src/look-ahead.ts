// Flow control between the segmenter and the ASR stage: how far the segmenter
// may run ahead, decided from the ASR group's lag on asr.segments. Segments
// wait there under a 7-day retention with their audio in S3 as claim checks,
// so cutting much faster than the ASR stage transcribes would only let old
// segments expire unread and fill S3. Pure: readings and the clock come in.

export interface LookAheadPolicy {
  /** Hold the next segment while this many or more are not yet committed by the ASR group. */
  maxAhead: number;
  /**
   * A hold ends once the lag is below this fraction of maxAhead: the gap keeps
   * a segmenter at the bound from holding and resuming at every segment.
   */
  resumeRatio: number;
  /**
   * How long the last reading, plus the segments admitted since, stands in for
   * checks that fail, ms: a broker restart or a coordinator moving costs no hold.
   */
  staleAfterMs: number;
  /**
   * How long failing checks hold cutting, counted from the first failure, ms.
   * Past it the check is taken to be what is broken (a missing ACL, a
   * coordinator that never returns) and cutting goes on without the bound
   * until a check succeeds, rather than stopping the pipeline for good.
   */
  unknownHoldMs: number;
}

/**
 * 30 s of grace, then holding until 10 min of failures: a broker restart or a
 * leader election is over within the grace and a rolling restart of a few
 * brokers within the hold. While every broker is down no segment can be
 * published anyway, so going on past the hold cannot run the segmenter ahead
 * during an outage; it only keeps a check that alone is broken from stopping
 * the pipeline.
 */
export const DEFAULT_LOOK_AHEAD_TIMING = { resumeRatio: 0.9, staleAfterMs: 30_000, unknownHoldMs: 10 * 60_000 } as const;

export type LookAheadState =
  /** The lag (the last reading plus the segments admitted and not in it) leaves room: publish. */
  | { kind: "room"; lag: number }
  /** The ASR stage is `lag` segments behind, at or past the bound (or not yet below the resume mark): hold. */
  | { kind: "ahead"; lag: number }
  /** Checks have failed for `failingMs` and the last reading is too old to go by: no room known, hold. */
  | { kind: "unknown"; failingMs: number }
  /** Checks have failed for longer than the hold allows: publish without the bound until one succeeds. */
  | { kind: "blind"; failingMs: number };

export function isHolding(state: LookAheadState): boolean {
  return state.kind === "ahead" || state.kind === "unknown";
}

export class LookAheadGate {
  readonly #policy: LookAheadPolicy;
  /** Held for the lag at the last known reading: the hysteresis state, untouched while the lag is unknown. */
  #heldForLag = false;
  /** The last lag read, and the segments settled when that read began. */
  #reading: { lag: number; settledBefore: number } | undefined;
  /** Segments let through to be published. */
  #admitted = 0;
  /** Of those, the ones published (on the topic) or abandoned (never will be). */
  #settled = 0;
  #failingSince: number | undefined;

  constructor(policy: LookAheadPolicy) {
    if (!(policy.maxAhead >= 1)) throw new RangeError(`maxAhead must be at least 1, got ${policy.maxAhead}`);
    if (!(policy.resumeRatio > 0 && policy.resumeRatio <= 1)) throw new RangeError(`resumeRatio must be in (0, 1], got ${policy.resumeRatio}`);
    this.#policy = policy;
  }

  /** Segments settled so far; pass the count taken before a check began to recordLag. */
  get settled(): number {
    return this.#settled;
  }

  /** One more segment let through: it counts toward the lag until a reading begun after it settled includes it. */
  recordAdmitted(): void {
    this.#admitted++;
  }

  /** One admitted segment is on the topic. */
  recordPublished(): void {
    this.#settled = Math.min(this.#admitted, this.#settled + 1);
  }

  /** Every admitted segment is published or abandoned (a job's attempt ended): none is in flight. */
  recordAllSettled(): void {
    this.#settled = this.#admitted;
  }

  /**
   * A successful check. Segments settled before it began are in the reading
   * (or never will be); the others admitted are counted on top, so the
   * estimate errs toward holding by at most those published while it ran.
   */
  recordLag(lag: number, settledBefore: number): void {
    this.#reading = { lag, settledBefore };
    this.#failingSince = undefined;
  }

  /** A failed check; the failure streak runs from the first one. */
  recordFailure(now: number): void {
    this.#failingSince ??= now;
  }

  decide(now: number): LookAheadState {
    const failingMs = this.#failingSince === undefined ? 0 : now - this.#failingSince;
    const reading = this.#reading;
    if (reading === undefined || failingMs >= this.#policy.staleAfterMs) {
      return failingMs < this.#policy.unknownHoldMs ? { kind: "unknown", failingMs } : { kind: "blind", failingMs };
    }
    const lag = reading.lag + (this.#admitted - reading.settledBefore);
    const { maxAhead, resumeRatio } = this.#policy;
    this.#heldForLag = this.#heldForLag ? lag >= maxAhead * resumeRatio : lag >= maxAhead;
    return this.#heldForLag ? { kind: "ahead", lag } : { kind: "room", lag };
  }
}
