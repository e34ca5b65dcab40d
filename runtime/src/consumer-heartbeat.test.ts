import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { withHeartbeat } from "./consumer-heartbeat.ts";

describe("withHeartbeat", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("beats every interval while the work runs and not after it ends", async () => {
    let beats = 0;
    let finish!: (value: string) => void;
    const running = withHeartbeat(async () => void beats++, 100, () => new Promise<string>((resolve) => (finish = resolve)));
    await vi.advanceTimersByTimeAsync(350);
    expect(beats).toBe(3);
    finish("done");
    await expect(running).resolves.toBe("done");
    await vi.advanceTimersByTimeAsync(500);
    expect(beats).toBe(3);
  });

  it("hands a failed beat to onFailure without failing the work, and stops beating when the work throws", async () => {
    const failures: unknown[] = [];
    let beats = 0;
    let fail!: (err: Error) => void;
    const running = withHeartbeat(
      async () => {
        beats++;
        throw new Error("rebalance in progress");
      },
      100,
      () => new Promise<void>((_resolve, reject) => (fail = reject)),
      (err) => failures.push(err),
    );
    await vi.advanceTimersByTimeAsync(250);
    expect(failures).toHaveLength(2);
    fail(new Error("work failed"));
    await expect(running).rejects.toThrow("work failed");
    await vi.advanceTimersByTimeAsync(500);
    expect(beats).toBe(2);
  });
});
