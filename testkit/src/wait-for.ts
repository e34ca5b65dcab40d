// Polls until a condition holds; the timeout is a safety net against hangs,
// not a performance assertion. A check that throws counts as "not yet" (a
// service still starting, an object not written yet); the last error becomes
// the timeout's cause.

import { setTimeout as sleep } from "node:timers/promises";

export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 120_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    await sleep(everyMs);
  }
}
