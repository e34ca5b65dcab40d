import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration, parseTimePoint } from "./time-args.ts";

describe("time arguments", () => {
  it("parses durations with units, a bare number being seconds", () => {
    expect(parseDuration("1m")).toBe(60_000);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("30")).toBe(30_000);
    expect(() => parseDuration("0s")).toThrow(/longer than zero/);
    expect(() => parseDuration("soon")).toThrow(/not a duration/);
  });

  it("parses points in time: now, a duration ago, or ISO", () => {
    const now = Date.UTC(2025, 5, 1, 12);
    expect(parseTimePoint("now", now)).toBe(now);
    expect(parseTimePoint("24h", now)).toBe(now - 86_400_000);
    expect(parseTimePoint("2025-06-01T10:00:00Z", now)).toBe(Date.UTC(2025, 5, 1, 10));
    expect(() => parseTimePoint("5", now)).toThrow(/neither/);
  });

  it("formats durations compactly", () => {
    expect(formatDuration(42_000)).toBe("42s");
    expect(formatDuration(62_000)).toBe("1m 02s");
    expect(formatDuration(3_720_000)).toBe("1h 02m");
    expect(formatDuration(2 * 86_400_000 + 3_600_000)).toBe("2d 01h");
  });
});
