import { isPipelineError } from "@lingostream/runtime";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { settleWithinGrace } from "./start-grace.ts";

/** A step that settles only when told to. */
function pending<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Whether the promise has settled by now; its outcome, once it has. */
function watch<T>(promise: Promise<T>) {
  const seen: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(seen, { value, settled: true }),
    (error) => Object.assign(seen, { error, settled: true }),
  );
  return seen;
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("settleWithinGrace", () => {
  it("waits as long as the step takes while no stop signal came", async () => {
    const step = pending<string>();
    const seen = watch(settleWithinGrace("the asr service's start", step.promise, new AbortController().signal, { graceMs: 1000 }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(seen.settled).toBe(false);
    step.resolve("started");
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toMatchObject({ settled: true, value: "started" });
  });

  it("returns what a step finishing within the grace after the signal started, so it is stopped like the rest", async () => {
    const stop = new AbortController();
    const step = pending<string>();
    const lateResult = vi.fn();
    const seen = watch(settleWithinGrace("the asr service's start", step.promise, stop.signal, { graceMs: 1000, lateResult }));
    stop.abort();
    await vi.advanceTimersByTimeAsync(999);
    step.resolve("started");
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toMatchObject({ settled: true, value: "started" });
    expect(lateResult).not.toHaveBeenCalled();
  });

  it("gives up on a step still running the grace after the signal, as an aborted error naming it, and hands what it starts later to be stopped", async () => {
    const stop = new AbortController();
    const step = pending<string>();
    const lateResult = vi.fn();
    const seen = watch(settleWithinGrace("the asr service's start", step.promise, stop.signal, { graceMs: 1000, lateResult }));
    stop.abort();
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen.settled).toBe(true);
    expect(isPipelineError(seen.error) && seen.error.code).toBe("aborted");
    expect((seen.error as Error).message).toContain("the asr service's start had not finished");
    step.resolve("started late");
    await vi.advanceTimersByTimeAsync(0);
    expect(lateResult).toHaveBeenCalledWith("started late");
  });

  it("counts the grace from the start when the signal came before it", async () => {
    const stop = new AbortController();
    stop.abort();
    const seen = watch(settleWithinGrace("the broker check", pending<void>().promise, stop.signal, { graceMs: 1000 }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(isPipelineError(seen.error) && seen.error.code).toBe("aborted");
  });

  it("passes a step's own failure through, signal or not", async () => {
    const stop = new AbortController();
    const step = pending<void>();
    const seen = watch(settleWithinGrace("the broker check", step.promise, stop.signal, { graceMs: 1000 }));
    stop.abort();
    step.reject(new Error("broker unreachable"));
    await vi.advanceTimersByTimeAsync(0);
    expect((seen.error as Error).message).toBe("broker unreachable");
  });
});
