// Each worker samples its own memory on a timer and feeds the governor, so that
// admit() has fresh figures and stale remote signals give way to local ones.

import type { PressureGovernor } from "./governor.ts";
import type { MemorySample } from "./sampler.ts";

export interface LocalSampling {
  /** Stops the timer and waits for a sample in progress. */
  stop(): Promise<void>;
}

export function startLocalSampling(options: {
  governor: PressureGovernor;
  sampler: { sample(): Promise<MemorySample> };
  intervalMs: number;
  onError?: (err: unknown) => void;
}): LocalSampling {
  const { governor, sampler, intervalMs } = options;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = sampler
      .sample()
      .then((sample) => void governor.observeLocal(sample))
      .catch((err: unknown) => options.onError?.(err))
      .finally(() => {
        if (stopped) return;
        // Unref'd: sampling alone must never keep a finished process alive.
        timer = setTimeout(tick, intervalMs);
        timer.unref();
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
