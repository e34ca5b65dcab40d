// Times the ASR processor's pauses and resumes from its onPauseChange callback:
// the moment the consumer is actually paused is the end of every latency here.

export interface PauseWatch {
  onPauseChange(event: { paused: boolean }): void;
  /** Resolves with the time of the next pause (true) or resume (false); rejects after timeoutMs. */
  next(paused: boolean, timeoutMs?: number): Promise<number>;
}

export function pauseWatch(clock: () => number): PauseWatch {
  let waiter: { paused: boolean; resolve: (t: number) => void } | undefined;
  return {
    onPauseChange(event) {
      const at = clock();
      if (waiter && waiter.paused === event.paused) {
        const w = waiter;
        waiter = undefined;
        w.resolve(at);
      }
    },
    next(paused, timeoutMs = 30_000) {
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${paused ? "pause" : "resume"} within ${timeoutMs} ms`)), timeoutMs);
        waiter = {
          paused,
          resolve: (t) => {
            clearTimeout(timer);
            resolve(t);
          },
        };
      });
    },
  };
}
