import { describe, expect, it } from "vitest";
import type { PressureLevel } from "./levels.ts";
import { forecastSecondsTo, TrendWindow } from "./trend.ts";

const levelOf = (r: number): PressureLevel => (r >= 0.9 ? "CRITICAL" : r >= 0.8 ? "HIGH" : r >= 0.7 ? "MODERATE" : "LOW");

function windowOf(series: [timeMs: number, ratio: number, bytes?: number][], options: Partial<ConstructorParameters<typeof TrendWindow>[0]> = {}): TrendWindow {
  const w = new TrendWindow({ windowMs: 60_000, alpha: 0.3, criticalRatio: 0.9, ...options });
  for (const [time, usedRatio, usedBytes] of series) w.add({ time, usedRatio, usedBytes: usedBytes ?? 0, level: levelOf(usedRatio) });
  return w;
}

describe("TrendWindow", () => {
  it("fits the slope of a steady leak and forecasts when it reaches CRITICAL", () => {
    // 1 % of the limit and 100 bytes per second, sampled every 2 s for 20 s.
    const series = Array.from({ length: 11 }, (_, i): [number, number, number] => [1_000_000 + i * 2000, 0.5 + 0.02 * i, 1000 + 200 * i]);
    const s = windowOf(series).stats()!;
    expect(s.slopeRatioPerSecond).toBeCloseTo(0.01, 12);
    expect(s.slopeBytesPerSecond).toBeCloseTo(100, 9);
    expect(s.secondsToCritical).toBeCloseTo((0.9 - 0.7) / 0.01, 9);
    expect(s).toMatchObject({ windowStart: 1_000_000, windowEnd: 1_020_000, samples: 11, minRatio: 0.5, level: "MODERATE", transitions: 1 });
    expect(s.maxRatio).toBeCloseTo(0.7, 12);
    expect(s.meanRatio).toBeCloseTo(0.6, 12);
  });

  it("gives the least-squares slope of a noisy recorded series", () => {
    // y = 0.1, 0.3, 0.2, 0.5 at 0..3 s: slope = Sxy/Sxx = 0.55 / 5 = 0.11 per second.
    const s = windowOf([
      [0, 0.1],
      [1000, 0.3],
      [2000, 0.2],
      [3000, 0.5],
    ]).stats()!;
    expect(s.slopeRatioPerSecond).toBeCloseTo(0.11, 12);
    expect(s.secondsToCritical).toBeCloseTo((0.9 - 0.5) / 0.11, 9);
  });

  it("weighs the newest sample by alpha in the EWMA", () => {
    const s = windowOf(
      [
        [0, 0],
        [1000, 1],
        [2000, 1],
      ],
      { alpha: 0.5 },
    ).stats()!;
    expect(s.ewmaRatio).toBeCloseTo(0.75, 12);
  });

  it("forecasts nothing for flat or falling memory, and 0 once CRITICAL", () => {
    const flat = windowOf([
      [0, 0.5],
      [1000, 0.5],
    ]).stats()!;
    expect(flat.slopeRatioPerSecond).toBe(0);
    expect(flat.secondsToCritical).toBeNull();
    const falling = windowOf([
      [0, 0.6],
      [1000, 0.5],
    ]).stats()!;
    expect(falling.secondsToCritical).toBeNull();
    expect(forecastSecondsTo(0.9, 0.95, -0.1)).toBe(0);
    expect(forecastSecondsTo(0.9, 0.5, 0.1, "CRITICAL")).toBe(0);
  });

  it("drops samples older than the window", () => {
    const w = windowOf(
      Array.from({ length: 11 }, (_, i): [number, number] => [i * 1000, 0.1]),
      { windowMs: 5000 },
    );
    expect(w.stats()).toMatchObject({ windowStart: 5000, windowEnd: 10_000, samples: 6 });
  });

  it("holds at most maxSamples however fast samples come", () => {
    const w = windowOf(
      Array.from({ length: 100 }, (_, i): [number, number] => [i, 0.1]),
      { maxSamples: 10 },
    );
    expect(w.size).toBe(10);
    expect(w.stats()!.windowStart).toBe(90);
  });

  it("counts level transitions within the window", () => {
    const s = windowOf([
      [0, 0.5],
      [1000, 0.72],
      [2000, 0.85],
      [3000, 0.75],
      [4000, 0.75],
      [5000, 0.95],
    ]).stats()!;
    expect(s.transitions).toBe(4);
    expect(s.level).toBe("CRITICAL");
    expect(s.secondsToCritical).toBe(0);
  });

  it("has no statistics before the first sample and a zero slope with one", () => {
    const w = windowOf([]);
    expect(w.stats()).toBeUndefined();
    w.add({ time: 5, usedRatio: 0.4, usedBytes: 4, level: "LOW" });
    expect(w.stats()).toMatchObject({ samples: 1, slopeRatioPerSecond: 0, secondsToCritical: null, ewmaRatio: 0.4 });
  });

  it("starts afresh when the clock steps backwards", () => {
    const w = windowOf([
      [10_000, 0.1],
      [11_000, 0.2],
    ]);
    w.add({ time: 500, usedRatio: 0.3, usedBytes: 0, level: "LOW" });
    expect(w.stats()).toMatchObject({ samples: 1, windowStart: 500 });
  });
});
