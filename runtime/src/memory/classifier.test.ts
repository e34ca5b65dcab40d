import { describe, expect, it } from "vitest";
import { classify, levelForRatio, rawLevel } from "./classifier.ts";
import { type PressureLevel, defaultThresholds as t } from "./levels.ts";

const LIMIT = 100 * 1024 ** 3;
/** Plenty free: only the ratio decides. */
const at = (usedRatio: number) => ({ usedRatio, limitBytes: LIMIT, availableBytes: LIMIT * (1 - usedRatio), minFreeBytes: 0 });

function run(ratios: number[], start?: PressureLevel): PressureLevel[] {
  let level = start;
  return ratios.map((r) => {
    level = classify(at(r), level, t);
    return level;
  });
}

describe("classifier", () => {
  it("maps ratios to levels at 70, 80 and 90 percent", () => {
    expect([0, 0.69, 0.7, 0.79, 0.8, 0.89, 0.9, 1].map((r) => levelForRatio(r, t))).toEqual([
      "LOW",
      "LOW",
      "MODERATE",
      "MODERATE",
      "HIGH",
      "HIGH",
      "CRITICAL",
      "CRITICAL",
    ]);
  });

  it("is HIGH when free memory is under the minimum, whatever the ratio", () => {
    expect(rawLevel({ usedRatio: 0.5, limitBytes: 4, availableBytes: 1, minFreeBytes: 2 }, t)).toBe("HIGH");
    expect(rawLevel({ usedRatio: 0.95, limitBytes: 4, availableBytes: 1, minFreeBytes: 2 }, t)).toBe("CRITICAL");
  });

  it("rises at once, even several levels", () => {
    expect(run([0.1, 0.95])).toEqual(["LOW", "CRITICAL"]);
  });

  it("falls only when the ratio is the hysteresis below the threshold", () => {
    expect(run([0.91, 0.88, 0.86, 0.849, 0.76, 0.749, 0.66, 0.649])).toEqual([
      "CRITICAL",
      "CRITICAL",
      "CRITICAL",
      "HIGH",
      "HIGH",
      "MODERATE",
      "MODERATE",
      "LOW",
    ]);
  });

  it("does not flap around a boundary", () => {
    expect(run([0.81, 0.79, 0.81, 0.78, 0.8, 0.76])).toEqual(["HIGH", "HIGH", "HIGH", "HIGH", "HIGH", "HIGH"]);
  });

  it("falls several levels at once when usage drops far enough", () => {
    expect(run([0.3], "CRITICAL")).toEqual(["LOW"]);
  });

  it("leaves HIGH from low free memory only once free is above the minimum by the margin", () => {
    const input = (free: number) => ({ usedRatio: 0.5, limitBytes: 100, availableBytes: free, minFreeBytes: 10 });
    expect(classify(input(9), "LOW", t)).toBe("HIGH");
    expect(classify(input(12), "HIGH", t)).toBe("HIGH");
    expect(classify(input(16), "HIGH", t)).toBe("LOW");
  });
});
