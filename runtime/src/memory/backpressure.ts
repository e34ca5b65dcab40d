// The one backpressure contract between a process's memory governor and the
// services that take in work. Each service receives a Backpressure and applies
// it where it pauses, saying why there:
// - the ASR processor pauses consuming asr.segments while paused(), runs at most
//   maxInFlight() segments, starts one only if admit() says it fits (decoder
//   included), and closes idle decoders on onCleanup / onEmergency
//   (processors/asr: pause-sync.ts, segment-handler.ts, service.ts);
// - the segmenter holds its next cut while paused(), so ffmpeg blocks on its
//   full pipe and nothing more is decoded (producers/segmenter: service.ts);
// - the S3 sink keeps its buffered results under a share of limitBytes and
//   writes the fullest buffers early past it (sinks/s3: task.ts).
// fullSpeed is the contract with no governor behind it: nothing ever pauses.

import { totalmem } from "node:os";
import { type Hook, maxInFlightFor, type PressureGovernor } from "./governor.ts";
import type { PressureLevel } from "./levels.ts";

/** What a consumer learns on each level change. */
export interface BackpressureChange {
  level: PressureLevel;
  previous: PressureLevel;
  paused: boolean;
}

export interface Backpressure {
  /** Work items allowed in flight now, of the caller's own maximum: all at LOW, half at MODERATE, none from HIGH. */
  maxInFlight(configured: number): number;
  /** True while taking in new work must stay paused (HIGH, CRITICAL). */
  paused(): boolean;
  /** Local check before taking on work that needs this many more bytes: false if it would take the process to HIGH. */
  admit(bytes: number): boolean;
  /** Resolves once new work may be taken in again (or rejects when the signal aborts). */
  waitUntilResumed(signal: AbortSignal): Promise<void>;
  /** The level now, for logs and metrics. */
  level(): PressureLevel;
  /** The effective memory limit (cgroup or host), bytes: what memory quotas are shares of. */
  readonly limitBytes: number;
  /** Every level change, as it happens; returns an unsubscribe. */
  onChange(listener: (change: BackpressureChange) => void): () => void;
  /** Rising to MODERATE or above: drop what can be rebuilt. */
  onCleanup(hook: Hook): () => void;
  /** Entering CRITICAL: release everything held that is not in use. */
  onEmergency(hook: Hook): () => void;
}

const nothingToUndo = () => () => {};

/** No governor: full speed, never paused; quotas are shares of the machine's memory. */
export const fullSpeed: Backpressure = {
  maxInFlight: (configured) => configured,
  paused: () => false,
  admit: () => true,
  waitUntilResumed: async () => {},
  level: () => "LOW",
  limitBytes: totalmem(),
  onChange: nothingToUndo,
  onCleanup: nothingToUndo,
  onEmergency: nothingToUndo,
};

export function governorBackpressure(governor: PressureGovernor, limitBytes: number): Backpressure {
  return {
    limitBytes,
    maxInFlight: (configured) => maxInFlightFor(governor.tick().level, configured),
    paused: () => governor.tick().paused,
    level: () => governor.tick().level,
    admit: (bytes) => governor.admit(bytes).admitted,
    waitUntilResumed(signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        if (!governor.tick().paused) return resolve();
        const finish = () => {
          off();
          signal.removeEventListener("abort", onAbort);
        };
        const off = governor.onResume(() => {
          finish();
          resolve();
        });
        const onAbort = () => {
          finish();
          reject(signal.reason);
        };
        signal.addEventListener("abort", onAbort, { once: true });
      });
    },
    onChange: (listener) => governor.onChange((state, previous) => listener({ level: state.level, previous: previous.level, paused: state.paused })),
    onCleanup: (hook) => governor.onCleanup(hook),
    onEmergency: (hook) => governor.onEmergency(hook),
  };
}
