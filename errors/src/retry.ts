// One retry helper, for every layer (the schema registry's calls included):
// exponential backoff with equal jitter. Each delay is half its ceiling plus a
// random share of the other half, so retries never bunch at zero and clients
// that failed together (consumers that lost the registry at once) do not all
// return together. The callback may bail (stop retrying) and policies are
// passed explicitly so tests can use fast ones.

import { isPipelineError } from "./errors.ts";

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  /** Delay before the first retry, in milliseconds. */
  minDelayMs: number;
  /** Upper bound on any single delay, in milliseconds. */
  maxDelayMs: number;
  factor: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 5, minDelayMs: 200, maxDelayMs: 10_000, factor: 2 };

export interface RetryContext {
  attempt: number;
  /** Stops retrying; the given error is thrown as is. */
  bail(err: unknown): never;
}

class Bail {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

/** Jittered delay for a retry number (1-based); random is injectable for tests. */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * policy.factor ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export async function retry<T>(
  fn: (ctx: RetryContext) => Promise<T>,
  policy: RetryPolicy = defaultRetryPolicy,
  options: { signal?: AbortSignal; isRetriable?: (err: unknown) => boolean; onRetry?: (err: unknown, attempt: number, delayMs: number) => void } = {},
): Promise<T> {
  const isRetriable = options.isRetriable ?? ((err) => !isPipelineError(err) || err.retriable);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn({
        attempt,
        bail(err: unknown): never {
          throw new Bail(err);
        },
      });
    } catch (err) {
      if (err instanceof Bail) throw err.error;
      if (attempt > policy.retries || !isRetriable(err) || options.signal?.aborted) throw err;
      const delayMs = backoffDelay(policy, attempt);
      options.onRetry?.(err, attempt, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
