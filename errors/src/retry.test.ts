import { describe, expect, it } from "vitest";
import { PipelineError } from "./errors.ts";
import { backoffDelay, type RetryPolicy, retry } from "./retry.ts";

const fast: RetryPolicy = { retries: 3, minDelayMs: 1, maxDelayMs: 2, factor: 2 };

describe("retry", () => {
  it("retries retriable errors until success", async () => {
    let calls = 0;
    const value = await retry(async () => {
      calls++;
      if (calls < 3) throw new PipelineError("storage-throttled", "slow down", { retriable: true });
      return "ok";
    }, fast);
    expect(value).toBe("ok");
    expect(calls).toBe(3);
  });

  it("gives up after the policy's retries", async () => {
    let calls = 0;
    await expect(
      retry(async () => {
        calls++;
        throw new PipelineError("broker-transient", "nope", { retriable: true });
      }, fast),
    ).rejects.toThrow("nope");
    expect(calls).toBe(4);
  });

  it("does not retry permanent errors", async () => {
    let calls = 0;
    await expect(
      retry(async () => {
        calls++;
        throw new PipelineError("corrupt", "bad");
      }, fast),
    ).rejects.toThrow("bad");
    expect(calls).toBe(1);
  });

  it("stops when the callback bails", async () => {
    let calls = 0;
    await expect(
      retry(async ({ bail }) => {
        calls++;
        bail(new Error("stop"));
      }, fast),
    ).rejects.toThrow("stop");
    expect(calls).toBe(1);
  });

  it("grows delays exponentially within the cap, with jitter in the upper half", () => {
    const policy: RetryPolicy = { retries: 10, minDelayMs: 100, maxDelayMs: 1000, factor: 2 };
    expect(backoffDelay(policy, 1, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, () => 1)).toBe(400);
    expect(backoffDelay(policy, 10, () => 1)).toBe(1000);
  });
});
