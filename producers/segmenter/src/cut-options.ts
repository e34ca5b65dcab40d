// Defaults and validation for where the segmenter may cut; everything downstream
// works in whole samples, so options are converted (and checked) here once.

export interface CutOptions {
  /** PCM rate the cutter is fed (default 16000). */
  sampleRate?: number;
  /** Preferred segment length (default 30 s). */
  targetSeconds?: number;
  /** Cuts are looked for in target ± this (default 5 s); must be < targetSeconds. */
  searchWindowSeconds?: number;
  /** A frame quieter than this (RMS, dBFS) is silence (default -30). */
  silenceThresholdDb?: number;
  /** Shortest silence run worth cutting in (default 0.5 s). */
  minSilenceSeconds?: number;
  /** Hard ceiling on a segment (default 45 s); must be >= target + window. */
  maxSeconds?: number;
  /** RMS analysis frame (default 20 ms). */
  frameMs?: number;
  /**
   * A final remainder shorter than this joins the previous segment when the result
   * stays <= maxSeconds (default 1 s; 0 disables), so ASR never gets a lone blip.
   */
  mergeTailSeconds?: number;
}

/** Full scale for a squared 16-bit sample, so frame energy is a mean square in [0, 1]. */
export const FULL_SCALE_SQUARED = 32768 * 32768;

export type ResolvedCutOptions = Readonly<Required<CutOptions>>;

/** The same limits in samples, as the cutter uses them. */
export interface CutPlan {
  readonly options: ResolvedCutOptions;
  readonly frameSamples: number;
  readonly minSegmentSamples: number;
  readonly targetSamples: number;
  readonly windowEndSamples: number;
  readonly maxSegmentSamples: number;
  readonly minSilenceSamples: number;
  readonly mergeTailSamples: number;
  /** Mean square (full scale = 1) below which a frame is silent. */
  readonly silenceMeanSquare: number;
}

export const DEFAULT_CUT_OPTIONS: ResolvedCutOptions = Object.freeze({
  sampleRate: 16_000,
  targetSeconds: 30,
  searchWindowSeconds: 5,
  silenceThresholdDb: -30,
  minSilenceSeconds: 0.5,
  maxSeconds: 45,
  frameMs: 20,
  mergeTailSeconds: 1,
});

export function resolveCutOptions(options: CutOptions = {}): ResolvedCutOptions {
  const merged: Required<CutOptions> = { ...DEFAULT_CUT_OPTIONS };
  // Skip explicit undefined so `{ maxSeconds: undefined }` means "default".
  for (const [key, value] of Object.entries(options) as [keyof CutOptions, number | undefined][]) {
    if (value !== undefined && key in merged) merged[key] = value;
  }
  const o = merged;
  check(Number.isInteger(o.sampleRate) && o.sampleRate >= 1000 && o.sampleRate <= 384_000, "sampleRate must be an integer from 1000 to 384000", o.sampleRate);
  check(isFinitePositive(o.targetSeconds), "targetSeconds must be a finite number > 0", o.targetSeconds);
  check(
    Number.isFinite(o.searchWindowSeconds) && o.searchWindowSeconds >= 0 && o.searchWindowSeconds < o.targetSeconds,
    `searchWindowSeconds must be >= 0 and < targetSeconds (${o.targetSeconds})`,
    o.searchWindowSeconds,
  );
  check(
    Number.isFinite(o.maxSeconds) && o.maxSeconds >= o.targetSeconds + o.searchWindowSeconds,
    `maxSeconds must be >= targetSeconds + searchWindowSeconds (${o.targetSeconds + o.searchWindowSeconds})`,
    o.maxSeconds,
  );
  check(Number.isFinite(o.silenceThresholdDb) && o.silenceThresholdDb <= 0, "silenceThresholdDb must be a finite dBFS value <= 0", o.silenceThresholdDb);
  check(Number.isFinite(o.minSilenceSeconds) && o.minSilenceSeconds >= 0, "minSilenceSeconds must be a finite number >= 0", o.minSilenceSeconds);
  check(isFinitePositive(o.frameMs) && o.frameMs <= 1000, "frameMs must be > 0 and <= 1000", o.frameMs);
  check(Number.isFinite(o.mergeTailSeconds) && o.mergeTailSeconds >= 0, "mergeTailSeconds must be a finite number >= 0", o.mergeTailSeconds);
  const frameSamples = Math.round((o.sampleRate * o.frameMs) / 1000);
  check(frameSamples >= 1, `frameMs is shorter than one sample at ${o.sampleRate} Hz`, o.frameMs);
  check(
    frameSamples <= Math.round((o.targetSeconds - o.searchWindowSeconds) * o.sampleRate),
    "frameMs must not exceed the shortest segment (targetSeconds - searchWindowSeconds)",
    o.frameMs,
  );
  return Object.freeze(merged);
}

export function planCuts(options: CutOptions = {}): CutPlan {
  const o = resolveCutOptions(options);
  const samples = (seconds: number): number => Math.round(seconds * o.sampleRate);
  return {
    options: o,
    frameSamples: Math.round((o.sampleRate * o.frameMs) / 1000),
    // >= 1 because searchWindowSeconds < targetSeconds, which keeps every segment non-empty.
    minSegmentSamples: Math.max(1, samples(o.targetSeconds - o.searchWindowSeconds)),
    targetSamples: samples(o.targetSeconds),
    windowEndSamples: samples(o.targetSeconds + o.searchWindowSeconds),
    maxSegmentSamples: samples(o.maxSeconds),
    minSilenceSamples: samples(o.minSilenceSeconds),
    mergeTailSamples: samples(o.mergeTailSeconds),
    silenceMeanSquare: 10 ** (o.silenceThresholdDb / 10),
  };
}

function isFinitePositive(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

function check(ok: boolean, message: string, got: unknown): asserts ok {
  if (!ok) throw new RangeError(`${message} (got ${String(got)})`);
}
