// Level classification with hysteresis: rising is immediate, falling needs the
// ratio a margin below the threshold, so a level does not flap around a boundary.
// Pure and deterministic; the caller keeps the previous level.

import { type PressureLevel, type PressureThresholds, severity } from "./levels.ts";

/** The parts of a MemoryUsage that decide a level. */
export interface ClassifierInput {
  usedRatio: number;
  availableBytes: number;
  limitBytes: number;
  minFreeBytes: number;
}

export function levelForRatio(ratio: number, t: PressureThresholds): PressureLevel {
  if (ratio >= t.criticalRatio) return "CRITICAL";
  if (ratio >= t.warningRatio) return "HIGH";
  if (ratio >= t.safeRatio) return "MODERATE";
  return "LOW";
}

/** The level without memory of the past: by ratio, raised to HIGH when free memory is under the minimum. */
export function rawLevel(input: ClassifierInput, t: PressureThresholds): PressureLevel {
  const byRatio = levelForRatio(input.usedRatio, t);
  if (input.availableBytes < input.minFreeBytes && severity(byRatio) < severity("HIGH")) return "HIGH";
  return byRatio;
}

/**
 * The level given the previous one. A fall is allowed only as far as the level
 * that would hold with usage `hysteresis` higher (the ratio plus the margin, and
 * free memory less the same share of the limit).
 */
export function classify(input: ClassifierInput, previous: PressureLevel | undefined, t: PressureThresholds): PressureLevel {
  const raw = rawLevel(input, t);
  if (previous === undefined || severity(raw) >= severity(previous)) return raw;
  const margin = t.hysteresis;
  const sticky = rawLevel(
    { ...input, usedRatio: input.usedRatio + margin, availableBytes: input.availableBytes - margin * input.limitBytes },
    t,
  );
  return severity(sticky) < severity(previous) ? sticky : previous;
}
