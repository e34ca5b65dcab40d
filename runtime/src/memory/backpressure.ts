// The governor as a worker's consumer loop sees it: how much may run, whether
// to stay paused, whether one more segment fits, a wait for resumption, and
// hooks for level changes and cleanup. Structurally the Backpressure interface
// that processors/asr accepts.

import { type Hook, maxInFlightFor, type PressureGovernor } from "./governor.ts";
import type { PressureLevel } from "./levels.ts";

/** What a consumer learns on each level change. */
export interface BackpressureChange {
  level: PressureLevel;
  previous: PressureLevel;
  paused: boolean;
}

export interface GovernorBackpressure {
  maxInFlight(configured: number): number;
  paused(): boolean;
  admit(bytes: number): boolean;
  waitUntilResumed(signal: AbortSignal): Promise<void>;
  level(): PressureLevel;
  /** Every level change, as it happens; returns an unsubscribe. */
  onChange(listener: (change: BackpressureChange) => void): () => void;
  /** Rising to MODERATE or above: drop what can be rebuilt. */
  onCleanup(hook: Hook): () => void;
  /** Entering CRITICAL: release everything held that is not in use. */
  onEmergency(hook: Hook): () => void;
}

export function governorBackpressure(governor: PressureGovernor): GovernorBackpressure {
  return {
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
