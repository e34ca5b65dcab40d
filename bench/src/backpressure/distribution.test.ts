import { describe, expect, it } from "vitest";
import { distribution } from "./distribution.ts";

describe("distribution", () => {
  it("takes percentiles by nearest rank, so each is a measured value", () => {
    const d = distribution(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect(d).toEqual({ n: 100, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
    expect(distribution([3, 1, 2]).p50).toBe(2);
  });

  it("reports nothing measured as NaN rather than zero", () => {
    const d = distribution([]);
    expect(d.n).toBe(0);
    expect(d.p99).toBeNaN();
  });
});
