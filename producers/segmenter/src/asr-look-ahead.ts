// Reads the ASR group's lag on asr.segments for the look-ahead gate: at most
// once per check interval through one admin client, never per segment, and
// says in one log line when holding starts and ends or the checks fail.

import { setTimeout as sleep } from "node:timers/promises";
import { type Clock, type Logger, readGroupLag } from "@lingostream/runtime";
import type { Admin } from "kafkajs";
import { isHolding, LookAheadGate, type LookAheadPolicy, type LookAheadState } from "./look-ahead.ts";
import type { SegmenterMetrics } from "./metrics.ts";

export interface AsrLookAheadOptions {
  admin: Admin;
  /** The ASR processors' consumer group and the topic it consumes. */
  groupId: string;
  topic: string;
  policy: LookAheadPolicy;
  /** Least time between two reads of the lag, ms; a hold is re-checked this often. */
  checkEveryMs: number;
  logger: Logger;
  metrics: Pick<SegmenterMetrics, "asrLag" | "holding" | "lagCheckFailures">;
  clock?: Clock;
}

/** Admin requests of one check give up quickly: the gate copes with a failure, and the next check is seconds away. */
export const LAG_CHECK_RETRY = { retries: 1, initialRetryTime: 200, maxRetryTime: 1000 };

export class AsrLookAhead {
  readonly #options: AsrLookAheadOptions;
  readonly #gate: LookAheadGate;
  readonly #clock: Clock;
  /** The log of the job being segmented (its lines carry the job), with the group and bound added. */
  #log: Logger;
  #logSource: Logger;
  #connected = false;
  #closed = false;
  #lastCheckAt = Number.NEGATIVE_INFINITY;
  #checking: Promise<void> | undefined;
  #failureLogged = false;
  #reported: LookAheadState["kind"] | undefined;

  constructor(options: AsrLookAheadOptions) {
    this.#options = options;
    this.#gate = new LookAheadGate(options.policy);
    this.#clock = options.clock ?? Date.now;
    this.#logSource = options.logger;
    this.#log = this.#logFor(options.logger);
  }

  /**
   * Settles when one more segment may be published, and counts it. While the ASR
   * stage is too far behind (or its lag unknown) it re-checks every interval;
   * `signal` ends the wait with its reason. Its lines go to `log`.
   */
  async untilRoom(signal: AbortSignal, log?: Logger): Promise<void> {
    if (log !== undefined && log !== this.#logSource) {
      this.#logSource = log;
      this.#log = this.#logFor(log);
    }
    for (;;) {
      signal.throwIfAborted();
      if (this.#clock() - this.#lastCheckAt >= this.#options.checkEveryMs) await this.#check();
      const state = this.#gate.decide(this.#clock());
      this.#report(state);
      if (!isHolding(state)) break;
      try {
        await sleep(this.#options.checkEveryMs, undefined, { signal });
      } catch (err) {
        // The signal's own reason, not the timer's AbortError.
        signal.throwIfAborted();
        throw err;
      }
    }
    this.#gate.recordAdmitted();
  }

  /** One segment let through by untilRoom is on the topic. */
  published(): void {
    this.#gate.recordPublished();
  }

  /** A job's attempt ended: what it was let publish is on the topic or never will be. */
  settleAll(): void {
    this.#gate.recordAllSettled();
  }

  /** Disconnects the admin client, after a check in flight (which a stop may have left behind) settles. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#checking;
    if (!this.#connected) return;
    this.#connected = false;
    await this.#options.admin.disconnect();
  }

  #logFor(log: Logger): Logger {
    return log.child({ asrGroup: this.#options.groupId, maxAhead: this.#options.policy.maxAhead });
  }

  #check(): Promise<void> {
    this.#checking ??= this.#read().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #read(): Promise<void> {
    const { admin, groupId, topic, metrics } = this.#options;
    this.#lastCheckAt = this.#clock();
    const settledBefore = this.#gate.settled;
    // After close nothing connects again; the stopping caller's wait ends on its signal.
    if (this.#closed) return;
    try {
      if (!this.#connected) {
        await admin.connect();
        this.#connected = true;
      }
      const { lag } = await readGroupLag(admin, groupId, topic);
      this.#gate.recordLag(lag, settledBefore);
      if (this.#failureLogged) this.#log.info({ lag }, "the ASR group's lag can be read again");
      this.#failureLogged = false;
    } catch (err) {
      this.#gate.recordFailure(this.#clock());
      metrics.lagCheckFailures.inc();
      // One line per failure streak; the state lines below say what it does to publishing.
      if (!this.#failureLogged) this.#log.warn({ err: (err as Error).message }, "could not read the ASR group's lag; the last reading stands in for a while");
      this.#failureLogged = true;
      // Connected afresh at the next check, on the same client.
      this.#connected = false;
      await admin.disconnect().catch(() => {});
    }
  }

  /** Gauges every time; a log line only when the kind of state changes. */
  #report(state: LookAheadState): void {
    const { metrics, policy } = this.#options;
    if (state.kind === "room" || state.kind === "ahead") metrics.asrLag.set(state.lag);
    metrics.holding.set(isHolding(state) ? 1 : 0);
    const was = this.#reported;
    this.#reported = state.kind;
    if (state.kind === was) return;
    switch (state.kind) {
      case "ahead":
        this.#log.warn({ lag: state.lag }, `holding: ASR ${state.lag} segments behind; the next segment waits until fewer than ${Math.ceil(policy.maxAhead * policy.resumeRatio)} are`);
        break;
      case "unknown":
        this.#log.warn({ failingMs: state.failingMs }, "holding: the ASR group's lag is unknown; the next segment waits until it can be read");
        break;
      case "blind":
        this.#log.error(
          { failingMs: state.failingMs },
          "the ASR group's lag could not be read for too long: segmenting on without the look-ahead bound until it can be read",
        );
        break;
      case "room":
        // The first decision, with room, is not news.
        if (was !== undefined) this.#log.info({ lag: state.lag }, `resumed: ASR ${state.lag} segments behind; publishing segments again`);
        break;
    }
  }
}
