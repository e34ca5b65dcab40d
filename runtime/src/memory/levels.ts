// The four memory pressure levels, ordered by severity, and the thresholds that
// separate them. Names match the Avro PressureLevel enum symbols exactly.

import type { PressureLevel } from "@lingostream/schemas";

export type { PressureLevel };

/** In increasing severity, as in the schema's enum. */
export const PressureLevels = ["LOW", "MODERATE", "HIGH", "CRITICAL"] as const satisfies readonly PressureLevel[];

/** Ratios of used memory to the effective limit at which each level begins. */
export interface PressureThresholds {
  /** MODERATE from this ratio (below it: LOW). */
  safeRatio: number;
  /** HIGH from this ratio. */
  warningRatio: number;
  /** CRITICAL from this ratio. */
  criticalRatio: number;
  /** How far below a level's threshold the ratio must fall before the level is left. */
  hysteresis: number;
}

export const defaultThresholds: PressureThresholds = { safeRatio: 0.7, warningRatio: 0.8, criticalRatio: 0.9, hysteresis: 0.05 };

/** 0 for LOW up to 3 for CRITICAL; also the value of the level gauges. */
export function severity(level: PressureLevel): number {
  return PressureLevels.indexOf(level);
}

export function worstLevel(...levels: readonly (PressureLevel | undefined)[]): PressureLevel {
  let worst: PressureLevel = "LOW";
  for (const level of levels) if (level !== undefined && severity(level) > severity(worst)) worst = level;
  return worst;
}

export function isPressureLevel(value: unknown): value is PressureLevel {
  return typeof value === "string" && (PressureLevels as readonly string[]).includes(value);
}

/** Problems with a set of thresholds, empty when they are usable. */
export function thresholdProblems(t: PressureThresholds): string[] {
  const problems: string[] = [];
  if (!(t.safeRatio > 0 && t.safeRatio < t.warningRatio && t.warningRatio < t.criticalRatio && t.criticalRatio <= 1)) {
    problems.push(`thresholds must rise strictly within (0, 1]: safe ${t.safeRatio} < warning ${t.warningRatio} < critical ${t.criticalRatio}`);
  }
  if (!(t.hysteresis >= 0 && t.hysteresis < t.safeRatio)) {
    problems.push(`hysteresis ${t.hysteresis} must be at least 0 and below the safe ratio ${t.safeRatio}`);
  }
  return problems;
}
