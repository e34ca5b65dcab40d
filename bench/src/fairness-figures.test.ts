import { describe, expect, it } from "vitest";
import { contention, type TranscribedSlice, weightedShares } from "./fairness-figures.ts";

const slice = (tenant: string, at: number, audioSeconds = 30): TranscribedSlice => ({ tenant, at, audioSeconds });

describe("fairness figures", () => {
  it("measures the backlog's drop against the small job's share while it ran", () => {
    // Alone: 30 s of audio per second for 10 s; with the small job: half each for 4 s.
    const results = [
      ...Array.from({ length: 10 }, (_, i) => slice("a", 1000 + i * 1000)),
      ...Array.from({ length: 2 }, (_, i) => slice("a", 12_000 + i * 2000)),
      ...Array.from({ length: 2 }, (_, i) => slice("b", 13_000 + i * 2000)),
    ];
    const figures = contention(results, "a", "b", { from: 1000 }, { from: 11_000, to: 15_000 });
    expect(figures.aloneRate).toBeCloseTo(30);
    expect(figures.contendedRate).toBeCloseTo(15);
    expect(figures.drop).toBeCloseTo(0.5);
    expect(figures.smallShare).toBeCloseTo(0.5);
  });

  it("measures shares over the span both tenants had work, not the tails", () => {
    const results = [
      slice("light", 500),
      ...Array.from({ length: 12 }, (_, i) => slice("heavy", 1000 + i * 100)),
      ...Array.from({ length: 4 }, (_, i) => slice("light", 1000 + i * 300)),
      slice("light", 5000),
    ];
    const shares = weightedShares(results, "heavy", "light");
    expect(shares.from).toBe(1000);
    expect(shares.to).toBe(2100);
    expect(shares.ratio).toBe(3);
    // Counted only once both were wholly queued.
    expect(weightedShares(results, "heavy", "light", 1550)).toMatchObject({ from: 1550, heavy: 6 * 30, light: 2 * 30 });
  });
});
