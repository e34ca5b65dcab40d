// The governor as a worker's consumer loop sees it: how much may run, whether
// to stay paused, whether one more segment fits, and a wait for resumption.
// Structurally the Backpressure interface that processors/asr accepts.

import { maxInFlightFor, type PressureGovernor } from "./governor.ts";

export interface GovernorBackpressure {
  maxInFlight(configured: number): number;
  paused(): boolean;
  admit(bytes: number): boolean;
  waitUntilResumed(signal: AbortSignal): Promise<void>;
}

export function governorBackpressure(governor: PressureGovernor): GovernorBackpressure {
  return {
    maxInFlight: (configured) => maxInFlightFor(governor.tick().level, configured),
    paused: () => governor.tick().paused,
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
  };
}
