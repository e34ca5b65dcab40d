// Decides where to cut a stream of s16le mono PCM into ~target-length segments,
// preferring silences, while holding at most maxSeconds of audio (+ the chunk being pushed).

import { ByteQueue } from "./byte-queue.ts";
import { type CutOptions, type CutPlan, FULL_SCALE_SQUARED, planCuts } from "./cut-options.ts";

export interface PcmSegment {
  index: number;
  /** Absolute sample offsets, end exclusive; consecutive segments share the boundary. */
  startSample: number;
  endSample: number;
  /** s16le mono, exactly (endSample - startSample) * 2 bytes, owned by the segment. */
  pcm: Buffer;
}


/**
 * Cut rule, for the segment starting at sample S:
 * - Search [S + target - window, S + target + window] (never beyond S + max).
 * - Candidates are runs of frames whose RMS is under the threshold and that last at least
 *   minSilence. A run's cut point is its middle; a long run (> 2 × minSilence) instead
 *   cuts at the point nearest the target that stays minSilence away from the sound on
 *   either side, so a long pause does not pull every cut to the window edge. The point
 *   is then clamped into the window, and the candidate nearest the target wins.
 * - Without such a run, cut in the middle of the quietest frame in the window (ties: nearest
 *   the target).
 * - A run that reaches the newest audio is waited on until it ends, can no longer change the
 *   choice, or S + max is reached.
 * - Tail: a final remainder shorter than mergeTailSeconds joins the previous segment if that
 *   stays <= max (so the cutter holds a decided segment back until that much audio follows
 *   it, or S + max is reached). An input no longer than target + window is one segment.
 * Chunk boundaries never change the result; a dangling odd byte at flush() is dropped.
 */
export class SegmentCutter {
  readonly plan: CutPlan;
  readonly #queue = new ByteQueue();
  #segmentStart = 0;
  #samples = 0;
  #oddByte = -1;
  #frameSum = 0;
  #frameFill = 0;
  /** Mean square of each complete frame; frames[0] is global frame #frameBase (frames are a fixed grid from sample 0). */
  #frames: number[] = [];
  #frameBase = 0;
  #pendingCut: number | null = null;
  #index = 0;
  #finished = false;

  constructor(options: CutOptions = {}) {
    this.plan = planCuts(options);
  }

  /** Audio held since the last emitted cut, in bytes: the memory-bound figure. */
  get bufferedBytes(): number {
    return this.#queue.length;
  }

  /** Complete samples pushed so far. */
  get samplesSeen(): number {
    return this.#samples;
  }

  /** Feeds PCM of any size and alignment; returns segments whose cuts are now final. The chunk is copied. */
  push(chunk: Uint8Array): PcmSegment[] {
    if (this.#finished) throw new Error("SegmentCutter.push() called after flush()");
    if (chunk.length === 0) return [];
    const copy = Buffer.from(chunk);
    this.#queue.push(copy);
    if (this.#oddByte >= 0) {
      this.#analyse(Uint8Array.of(this.#oddByte, copy[0]!));
      this.#oddByte = -1;
      this.#analyse(copy.subarray(1));
    } else {
      this.#analyse(copy);
    }
    return this.#drain(false);
  }

  /** Ends the stream: returns the remaining segments. Further calls return []. */
  flush(): PcmSegment[] {
    if (this.#finished) return [];
    this.#finished = true;
    if (this.#frameFill > 0) this.#frames.push(this.#frameSum / (this.#frameFill * FULL_SCALE_SQUARED));
    const segments = this.#drain(true);
    this.#queue.clear();
    this.#frames = [];
    return segments;
  }

  #analyse(bytes: Uint8Array): void {
    const frameSamples = this.plan.frameSamples;
    const frames = this.#frames;
    let sum = this.#frameSum;
    let fill = this.#frameFill;
    let i = 0;
    for (; i + 1 < bytes.length; i += 2) {
      // Little-endian bytes to a signed 16-bit value via sign extension.
      const v = ((bytes[i]! | (bytes[i + 1]! << 8)) << 16) >> 16;
      sum += v * v;
      fill += 1;
      if (fill === frameSamples) {
        frames.push(sum / (frameSamples * FULL_SCALE_SQUARED));
        sum = 0;
        fill = 0;
      }
    }
    this.#samples += i / 2;
    if (i < bytes.length) this.#oddByte = bytes[i]!;
    this.#frameSum = sum;
    this.#frameFill = fill;
  }

  #drain(final: boolean): PcmSegment[] {
    const plan = this.plan;
    const out: PcmSegment[] = [];
    for (;;) {
      if (this.#pendingCut === null) {
        this.#pendingCut = this.#decide(final);
        if (this.#pendingCut === null) break;
      }
      const cut = this.#pendingCut;
      const start = this.#segmentStart;
      const end = this.#samples;
      if (final && cut >= end) {
        if (end > start) out.push(this.#emit(end));
        break;
      }
      const tail = end - cut;
      if (final) {
        out.push(this.#emit(tail < plan.mergeTailSamples && end - start <= plan.maxSegmentSamples ? end : cut));
        continue;
      }
      // Hold the segment back while the audio after it could still turn out to be a
      // mergeable tail; past S + max a merge is impossible anyway.
      if (tail >= plan.mergeTailSamples || end - start > plan.maxSegmentSamples) {
        out.push(this.#emit(cut));
        continue;
      }
      break;
    }
    return out;
  }

  #emit(end: number): PcmSegment {
    const start = this.#segmentStart;
    const segment: PcmSegment = {
      index: this.#index,
      startSample: start,
      endSample: end,
      pcm: this.#queue.shift((end - start) * 2),
    };
    this.#index += 1;
    this.#segmentStart = end;
    this.#pendingCut = null;
    const firstNeeded = Math.floor(end / this.plan.frameSamples);
    if (firstNeeded > this.#frameBase) {
      this.#frames.splice(0, firstNeeded - this.#frameBase);
      this.#frameBase = firstNeeded;
    }
    return segment;
  }

  /** The cut for the current segment, or null until enough audio has arrived to choose it. */
  #decide(final: boolean): number | null {
    const plan = this.plan;
    const start = this.#segmentStart;
    const available = this.#samples;
    if (available <= start) return null;
    if (final && available - start <= plan.windowEndSamples) return available;

    const lo = start + plan.minSegmentSamples;
    const hi = start + plan.windowEndSamples;
    const target = start + plan.targetSamples;
    const cap = start + plan.maxSegmentSamples;
    const frameSamples = plan.frameSamples;
    // With final, the partial last frame is in #frames too, hence the min with available.
    const known = Math.min((this.#frameBase + this.#frames.length) * frameSamples, available);
    const forced = available >= cap;
    if (!final && !forced && known < hi) return null;
    const limit = Math.min(known, cap);

    let bestCut = -1;
    let bestDistance = Number.POSITIVE_INFINITY;
    const considerRun = (runStart: number, runEnd: number): void => {
      const length = runEnd - runStart;
      if (length <= 0 || length < plan.minSilenceSamples || runStart >= hi || runEnd <= lo) return;
      const margin = Math.min(length / 2, plan.minSilenceSamples);
      const point = Math.floor(clamp(target, runStart + margin, runEnd - margin));
      const cut = clamp(point, lo, hi);
      const distance = Math.abs(cut - target);
      if (distance < bestDistance) {
        bestCut = cut;
        bestDistance = distance;
      }
    };

    let quietCut = -1;
    let quietEnergy = Number.POSITIVE_INFINITY;
    let quietDistance = Number.POSITIVE_INFINITY;
    let runStart = -1;
    for (let k = Math.max(this.#frameBase, Math.floor(start / frameSamples)); k * frameSamples < limit; k++) {
      const energy = this.#frames[k - this.#frameBase]!;
      const a = Math.max(k * frameSamples, start);
      const b = Math.min((k + 1) * frameSamples, limit);
      if (energy < plan.silenceMeanSquare) {
        if (runStart < 0) runStart = a;
      } else if (runStart >= 0) {
        considerRun(runStart, a);
        runStart = -1;
      }
      if (a < hi && b > lo) {
        const cut = clamp(Math.floor((a + b) / 2), lo, hi);
        const distance = Math.abs(cut - target);
        if (energy < quietEnergy || (energy === quietEnergy && distance < quietDistance)) {
          quietCut = cut;
          quietEnergy = energy;
          quietDistance = distance;
        }
      }
    }
    if (runStart >= 0) {
      // The run touches the newest audio. More audio can only lengthen it, which changes
      // its cut point unless it already reaches minSilence past the target.
      const settled =
        final || forced || runStart >= hi || (limit - runStart >= 2 * plan.minSilenceSamples && limit - plan.minSilenceSamples >= target);
      if (!settled) return null;
      considerRun(runStart, limit);
    }
    if (bestCut >= 0) return bestCut;
    if (quietCut >= 0) return quietCut;
    // Only when the window is narrower than a frame boundary can catch (window 0).
    return clamp(target, lo, Math.min(hi, available));
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
