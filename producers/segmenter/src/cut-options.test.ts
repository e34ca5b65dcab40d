import { describe, expect, it } from "vitest";
import { DEFAULT_CUT_OPTIONS, planCuts, resolveCutOptions } from "./cut-options.ts";

describe("resolveCutOptions", () => {
  it("fills defaults, treating explicit undefined as unset", () => {
    expect(resolveCutOptions()).toEqual(DEFAULT_CUT_OPTIONS);
    expect(resolveCutOptions({ maxSeconds: undefined, targetSeconds: 20 })).toEqual({ ...DEFAULT_CUT_OPTIONS, targetSeconds: 20 });
  });

  it.each([
    [{ maxSeconds: 34 }, /maxSeconds must be >= targetSeconds \+ searchWindowSeconds \(35\)/],
    [{ searchWindowSeconds: 30 }, /searchWindowSeconds must be >= 0 and < targetSeconds/],
    [{ searchWindowSeconds: -1 }, /searchWindowSeconds/],
    [{ targetSeconds: 0 }, /targetSeconds must be a finite number > 0/],
    [{ targetSeconds: Number.NaN }, /targetSeconds/],
    [{ silenceThresholdDb: 3 }, /silenceThresholdDb must be a finite dBFS value <= 0 \(got 3\)/],
    [{ minSilenceSeconds: -0.1 }, /minSilenceSeconds/],
    [{ frameMs: 0 }, /frameMs must be > 0/],
    [{ frameMs: 0.01 }, /shorter than one sample/],
    [{ sampleRate: 16000.5 }, /sampleRate must be an integer/],
    [{ mergeTailSeconds: Number.POSITIVE_INFINITY }, /mergeTailSeconds/],
  ])("rejects %o", (options, message) => {
    expect(() => resolveCutOptions(options)).toThrow(RangeError);
    expect(() => resolveCutOptions(options)).toThrow(message);
  });

  it("accepts a zero-width window and max exactly target + window", () => {
    expect(() => resolveCutOptions({ targetSeconds: 10, searchWindowSeconds: 0, maxSeconds: 10 })).not.toThrow();
  });
});

describe("planCuts", () => {
  it("converts the defaults to samples at 16 kHz", () => {
    const plan = planCuts();
    expect(plan).toMatchObject({
      frameSamples: 320,
      minSegmentSamples: 25 * 16000,
      targetSamples: 30 * 16000,
      windowEndSamples: 35 * 16000,
      maxSegmentSamples: 45 * 16000,
      minSilenceSamples: 8000,
      mergeTailSamples: 16000,
    });
    expect(plan.silenceMeanSquare).toBeCloseTo(0.001, 12);
  });
});
