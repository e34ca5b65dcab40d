// Keeps the consumer's pause in line with the memory governor: consumption of
// asr.segments pauses as the level rises to HIGH and resumes once the governor
// says it may, with a metric, a log line and an optional callback at each turn.

import type { Backpressure, Logger } from "@lingostream/runtime";
import type { Consumer } from "kafkajs";
import type { AsrMetrics } from "./metrics.ts";

export interface PauseChange {
  paused: boolean;
  level: string;
  time: number;
}

export interface PauseSyncOptions {
  consumer: Pick<Consumer, "pause" | "resume">;
  topic: string;
  backpressure: Backpressure;
  metrics: Pick<AsrMetrics, "paused" | "pauses" | "resumes">;
  logger: Logger;
  /** Aborted when the processor stops: no pause or resume after that. */
  signal: AbortSignal;
  /** Segments in flight now, for the pause log line. */
  inFlight: () => number;
  onPauseChange?: (event: PauseChange) => void;
}

export class PauseSync {
  private readonly options: PauseSyncOptions;
  private paused = false;

  constructor(options: PauseSyncOptions) {
    this.options = options;
  }

  /**
   * Brings the consumer in line with the governor; true while it must stay paused.
   * Called on every level change (so an idle consumer pauses at once, not at its
   * next batch) and before each segment of a batch. kafkajs pause() only stops
   * the next fetch: the rest of the batch in hand is left unresolved by the
   * batch loop, so kafkajs fetches it again after resume() and nothing is lost.
   */
  sync(): boolean {
    const { consumer, topic, backpressure, metrics, logger, signal, onPauseChange } = this.options;
    const want = backpressure.paused();
    // Idempotent, and repeated on purpose: a consumer kafkajs restarts after a
    // crash forgets its pauses (and refuses them while restarting; the check
    // before each segment holds the work back meanwhile).
    if (want && !signal.aborted) {
      try {
        consumer.pause([{ topic }]);
      } catch (err) {
        logger.debug({ err: String(err) }, "consumer not running; pause applies from its next batch");
      }
    }
    if (want && !this.paused) {
      this.paused = true;
      const level = this.level();
      metrics.paused.set(1);
      metrics.pauses.inc({ level });
      logger.warn({ topic, level, inFlight: this.options.inFlight() }, "memory pressure: consumption paused; finishing the segments in flight");
      onPauseChange?.({ paused: true, level, time: Date.now() });
      void backpressure.waitUntilResumed(signal).then(
        () => {
          if (signal.aborted) return;
          // Resumes only once the governor left HIGH with hysteresis, so this does not flap.
          consumer.resume([{ topic }]);
          this.paused = false;
          metrics.paused.set(0);
          metrics.resumes.inc();
          const level = this.level();
          logger.info({ topic, level }, "memory pressure eased: consumption resumed");
          onPauseChange?.({ paused: false, level, time: Date.now() });
        },
        () => {},
      );
    }
    return want;
  }

  private level(): string {
    return this.options.backpressure.level();
  }
}
