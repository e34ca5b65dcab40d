import { describe, expect, it } from "vitest";
import { ForecastScore, judgeArrival, judgeNoArrival, watchOf } from "./forecast-score.ts";

const HOUR_MS = 3_600_000;

describe("forecast verdicts", () => {
  it("calls a forecast a hit when CRITICAL came within 2x of its lead either way, with its signed relative error", () => {
    expect(judgeArrival(24.2, 24)).toEqual({ verdict: "hit", relativeError: expect.closeTo(0.2 / 24, 12) });
    expect(judgeArrival(1.8, 2)).toEqual({ verdict: "hit", relativeError: expect.closeTo(-0.1, 12) });
    expect(judgeArrival(20, 10)).toEqual({ verdict: "hit", relativeError: 1 });
  });

  it("calls a forecast too late when CRITICAL came in under half its lead", () => {
    expect(judgeArrival(2847, 57)).toEqual({ verdict: "tooLate" });
    expect(judgeArrival(20.1, 10)).toEqual({ verdict: "tooLate" });
  });

  it("watches a forecast for twice its lead, and one beyond the horizon for twice the horizon", () => {
    expect(watchOf(1000, 30, HOUR_MS)).toEqual({ until: 61_000, capped: false });
    expect(watchOf(0, 3600, HOUR_MS)).toEqual({ until: 2 * HOUR_MS, capped: false });
    expect(watchOf(0, 7200, HOUR_MS)).toEqual({ until: 2 * HOUR_MS, capped: true });
    expect(judgeNoArrival(false)).toBe("falseAlarm");
    expect(judgeNoArrival(true)).toBe("beyondHorizon");
  });
});

describe("forecast score", () => {
  it("keeps too-late forecasts and false alarms out of the error figures", () => {
    const score = new ForecastScore();
    for (const e of [0, -0.2, 0.05]) {
      score.issued();
      score.record("hit", e);
    }
    score.issued();
    score.record("tooLate");
    score.issued();
    score.record("falseAlarm");
    expect(score.outcomes()).toEqual({
      issued: 5,
      hits: 3,
      tooLate: 1,
      falseAlarms: 1,
      beyondHorizon: 0,
      open: 0,
      misses: 0,
      relativeError: { median: 0.05, p90: 0.2 },
      early: { count: 2, medianRelativeError: 0, maxRelativeError: 0.2 },
      late: { count: 1, medianRelativeError: 0.05, maxRelativeError: 0.05 },
    });
  });

  it("adds windows into a whole period, distributions included", () => {
    const whole = new ForecastScore();
    const a = new ForecastScore();
    a.record("hit", 0.1);
    const b = new ForecastScore();
    b.record("hit", -0.3);
    b.record("hit", -0.01);
    b.miss();
    whole.merge(a);
    whole.merge(b);
    whole.merge(new ForecastScore());
    const o = whole.outcomes();
    expect(o).toMatchObject({ hits: 3, misses: 1, relativeError: { median: 0.1, p90: 0.3 } });
    expect(o.early).toEqual({ count: 2, medianRelativeError: 0.01, maxRelativeError: 0.3 });
    expect(o.late).toEqual({ count: 1, medianRelativeError: 0.1, maxRelativeError: 0.1 });
  });
});
