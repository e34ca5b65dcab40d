import { describe, expect, it } from "vitest";
import { PartitionBackoff } from "./partition-backoff.ts";

const policy = { retries: 0, minDelayMs: 100, maxDelayMs: 1_000, factor: 2 };

function setup() {
  let now = 10_000;
  const backoff = new PartitionBackoff(policy, () => now);
  return { backoff, advance: (ms: number) => (now += ms) };
}

describe("PartitionBackoff", () => {
  it("starts running, and once failed is paused until its wait has passed on the injected clock", () => {
    const { backoff, advance } = setup();
    expect(backoff.paused).toBe(false);
    expect(backoff.isDue()).toBe(false);
    const wait = backoff.fail();
    expect(wait).toBeGreaterThanOrEqual(50);
    expect(wait).toBeLessThanOrEqual(100);
    expect(backoff.paused).toBe(true);
    advance(wait - 1);
    expect(backoff.isDue()).toBe(false);
    advance(1);
    expect(backoff.isDue()).toBe(true);
  });

  it("waits longer with each consecutive failure, up to the policy's ceiling", () => {
    const { backoff } = setup();
    const waits = Array.from({ length: 30 }, () => backoff.fail());
    expect(backoff.failures).toBe(30);
    expect(waits[3]).toBeGreaterThanOrEqual(400);
    for (const wait of waits) expect(wait).toBeLessThanOrEqual(policy.maxDelayMs);
    expect(waits[29]).toBeGreaterThanOrEqual(policy.maxDelayMs / 2);
  });

  it("starts the backoff over after it is cleared", () => {
    const { backoff } = setup();
    backoff.fail();
    backoff.fail();
    backoff.clear();
    expect(backoff.paused).toBe(false);
    expect(backoff.failures).toBe(0);
    expect(backoff.fail()).toBeLessThanOrEqual(policy.minDelayMs);
  });
});
