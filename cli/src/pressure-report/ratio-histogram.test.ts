import { describe, expect, it } from "vitest";
import { RatioHistogram } from "./ratio-histogram.ts";

describe("RatioHistogram", () => {
  it("gives nearest-rank quantiles at 0.001 resolution", () => {
    const h = new RatioHistogram();
    for (let i = 1; i <= 100; i++) h.add(i / 100);
    expect(h.count).toBe(100);
    expect(h.quantile(0.95)).toBe(0.95);
    expect(h.quantile(0.5)).toBe(0.5);
    expect(h.quantile(1)).toBe(1);
  });

  it("rounds to the nearest bucket and clamps outside 0..1", () => {
    const h = new RatioHistogram();
    h.add(0.12345);
    expect(h.quantile(0.95)).toBe(0.123);
    h.add(1.7);
    h.add(-0.2);
    h.add(Number.NaN);
    expect(h.count).toBe(3);
    expect(h.quantile(1)).toBe(1);
    expect(h.quantile(0.01)).toBe(0);
  });

  it("is empty-safe", () => {
    expect(new RatioHistogram().quantile(0.95)).toBeUndefined();
  });
});
