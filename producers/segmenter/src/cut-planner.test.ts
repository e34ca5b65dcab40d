import { describe, expect, it } from "vitest";
import type { CutOptions } from "./cut-options.ts";
import { type PcmSegment, SegmentCutter } from "./cut-planner.ts";

const SR = 16000;
const at = (seconds: number, sampleRate = SR): number => Math.round(seconds * sampleRate);

type Part = { seconds: number; level: "tone" | "silence" | "hum"; value?: number };
const tone = (seconds: number, amplitude = 0.5): Part => ({ seconds, level: "tone", value: amplitude });
const silence = (seconds: number): Part => ({ seconds, level: "silence" });
/** Alternating ±a square wave: its RMS is exactly `dbfs`, unlike a sampled sine. */
const hum = (seconds: number, dbfs: number): Part => ({ seconds, level: "hum", value: dbfs });

/** s16le mono. The tone is 500 Hz so every 20 ms frame holds whole periods (equal energy). */
function signal(parts: Part[], sampleRate = SR): Buffer {
  const total = at(
    parts.reduce((sum, part) => sum + part.seconds, 0),
    sampleRate,
  );
  const samples = new Int16Array(total);
  let elapsed = 0;
  for (const part of parts) {
    const from = at(elapsed, sampleRate);
    elapsed += part.seconds;
    const to = at(elapsed, sampleRate);
    for (let i = from; i < to; i++) {
      if (part.level === "tone") samples[i] = Math.round((part.value ?? 0.5) * 32767 * Math.sin((2 * Math.PI * 500 * i) / sampleRate));
      else if (part.level === "hum") samples[i] = (i % 2 === 0 ? 1 : -1) * Math.round(32768 * 10 ** ((part.value ?? -60) / 20));
    }
  }
  return Buffer.from(samples.buffer);
}

interface Run {
  segments: PcmSegment[];
  maxBuffered: number;
  /** Segments returned by push, per push call. */
  perPush: number[];
}

function cut(pcm: Buffer, options: CutOptions = {}, chunkBytes: number | ((i: number) => number) = pcm.length): Run {
  const cutter = new SegmentCutter(options);
  const segments: PcmSegment[] = [];
  const perPush: number[] = [];
  let maxBuffered = 0;
  let offset = 0;
  for (let i = 0; offset < pcm.length; i++) {
    const size = Math.max(1, typeof chunkBytes === "number" ? chunkBytes : chunkBytes(i));
    const out = cutter.push(pcm.subarray(offset, offset + size));
    offset += size;
    perPush.push(out.length);
    segments.push(...out);
    maxBuffered = Math.max(maxBuffered, cutter.bufferedBytes);
  }
  segments.push(...cutter.flush());
  return { segments, maxBuffered, perPush };
}

const bounds = (segments: PcmSegment[]): number[][] => segments.map((s) => [s.startSample, s.endSample]);

function expectTiling(segments: PcmSegment[], pcm: Buffer): void {
  let expected = 0;
  segments.forEach((segment, i) => {
    expect(segment.index).toBe(i);
    expect(segment.startSample).toBe(expected);
    expect(segment.endSample).toBeGreaterThan(segment.startSample);
    expect(segment.pcm.length).toBe((segment.endSample - segment.startSample) * 2);
    expected = segment.endSample;
  });
  expect(expected).toBe(Math.floor(pcm.length / 2));
  expect(Buffer.concat(segments.map((s) => s.pcm)).equals(pcm.subarray(0, expected * 2))).toBe(true);
}

/** mulberry32: deterministic, so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("SegmentCutter: where it cuts", () => {
  it("cuts in the middle of the qualifying silence nearest the target", () => {
    // Runs at 27.5–28.5 (middle 28, 2 s from target) and 33–33.6 (middle 33.3).
    const pcm = signal([tone(27.5), silence(1), tone(4.5), silence(0.6), tone(10)]);
    const { segments } = cut(pcm);
    expect(bounds(segments)).toEqual([
      [0, at(28)],
      [at(28), at(43.6)],
    ]);
    expectTiling(segments, pcm);
  });

  it("ignores a silence shorter than minSilenceSeconds", () => {
    const pcm = signal([tone(26), silence(0.6), tone(3.3), silence(0.3), tone(20)]);
    expect(cut(pcm).segments[0]?.endSample).toBe(at(26.3));
    expect(cut(pcm, { minSilenceSeconds: 0.2 }).segments[0]?.endSample).toBe(at(30.05));
  });

  it("applies silenceThresholdDb to frame RMS", () => {
    // A -35 dBFS hum is silence at -30 dB but not at -40 dB, where the cut falls back
    // to the quietest frames (the hum) and picks the one nearest the target.
    const pcm = signal([tone(27), hum(1, -35), tone(20)]);
    expect(cut(pcm).segments[0]?.endSample).toBe(at(27.5));
    expect(cut(pcm, { silenceThresholdDb: -40 }).segments[0]?.endSample).toBe(at(27.99));
  });

  it("without silence, cuts in the quietest frame of the window", () => {
    const pcm = signal([tone(32), tone(0.2, 0.1), tone(20)]);
    const end = cut(pcm).segments[0]?.endSample ?? 0;
    expect(end).toBeGreaterThanOrEqual(at(32));
    expect(end).toBeLessThanOrEqual(at(32.2));
  });

  it("a steady tone is cut within half a frame of the target", () => {
    const pcm = signal([tone(100)]);
    const { segments } = cut(pcm);
    expect(segments.map((s) => s.endSample - s.startSample).slice(0, 3).every((n) => Math.abs(n - at(30)) <= 160)).toBe(true);
    expectTiling(segments, pcm);
  });

  it("cuts long silences at the target, keeping minSilence away from sound", () => {
    expect(cut(signal([tone(27), silence(13), tone(10)])).segments[0]?.endSample).toBe(at(30));
    expect(cut(signal([tone(31), silence(14), tone(10)])).segments[0]?.endSample).toBe(at(31.5));
    expect(cut(signal([tone(20), silence(6), tone(20)])).segments[0]?.endSample).toBe(at(25.5));
  });

  it("cuts pure digital silence into target-length pieces", () => {
    const pcm = signal([silence(100)]);
    const { segments } = cut(pcm);
    expect(bounds(segments)).toEqual([
      [0, at(30)],
      [at(30), at(60)],
      [at(60), at(90)],
      [at(90), at(100)],
    ]);
  });

  it("waits for a silence that runs past the window end before judging it", () => {
    // At 35 s the run is 0.2 s old (too short); once it ends at 35.3 s it qualifies,
    // and its middle (35.05 s) is clamped to the window end.
    const pcm = signal([tone(34.8), silence(0.5), tone(20)]);
    const cutter = new SegmentCutter();
    expect(cutter.push(pcm.subarray(0, at(35.29) * 2))).toEqual([]);
    const rest = cutter.push(pcm.subarray(at(35.29) * 2));
    expect(bounds(rest)).toEqual([[0, at(35)]]);
  });

  it("emits a segment as soon as its cut is decided", () => {
    const pcm = signal([tone(27.5), silence(1), tone(40)]);
    const { perPush } = cut(pcm, {}, at(1) * 2);
    // Decided once 35 s (the window end) are in: that is the 35th one-second push.
    expect(perPush.findIndex((n) => n > 0)).toBe(34);
  });

  it("honours a zero-width window", () => {
    const pcm = signal([tone(25)]);
    const { segments } = cut(pcm, { targetSeconds: 10, searchWindowSeconds: 0, maxSeconds: 10 });
    expect(bounds(segments)).toEqual([
      [0, at(10)],
      [at(10), at(20)],
      [at(20), at(25)],
    ]);
  });
});

describe("SegmentCutter: the end of the stream", () => {
  // The run 34.6–35.4 puts the cut at 35.0; the input ends 0.5 s later.
  const shortTail = signal([tone(34.6), silence(0.8), tone(0.1)]);

  it("merges a tiny final remainder into the previous segment", () => {
    const cutter = new SegmentCutter();
    expect(cutter.push(shortTail)).toEqual([]);
    expect(bounds(cutter.flush())).toEqual([[0, at(35.5)]]);
  });

  it("does not merge when disabled or when the result would exceed maxSeconds", () => {
    const split = [
      [0, at(35)],
      [at(35), at(35.5)],
    ];
    expect(bounds(cut(shortTail, { mergeTailSeconds: 0 }).segments)).toEqual(split);
    expect(bounds(cut(shortTail, { maxSeconds: 35.45 }).segments)).toEqual(split);
  });

  it("keeps a remainder of at least mergeTailSeconds separate", () => {
    const pcm = signal([tone(34.6), silence(0.8), tone(1.1)]);
    expect(bounds(cut(pcm).segments)).toEqual([
      [0, at(35)],
      [at(35), at(36.5)],
    ]);
  });

  it("returns an input shorter than target + window as one segment, on flush", () => {
    const pcm = signal([tone(12)]);
    const cutter = new SegmentCutter();
    expect(cutter.push(pcm)).toEqual([]);
    expect(bounds(cutter.flush())).toEqual([[0, at(12)]]);
  });

  it("returns nothing for empty input and ignores empty chunks", () => {
    const cutter = new SegmentCutter();
    expect(cutter.push(Buffer.alloc(0))).toEqual([]);
    expect(cutter.flush()).toEqual([]);
  });

  it("drops a dangling odd byte", () => {
    const cutter = new SegmentCutter();
    cutter.push(Buffer.from([1, 0, 2, 0, 3]));
    expect(cutter.samplesSeen).toBe(2);
    const segments = cutter.flush();
    expect([...(segments[0]?.pcm ?? [])]).toEqual([1, 0, 2, 0]);
    expect(cutter.bufferedBytes).toBe(0);
  });

  it("refuses push after flush; a second flush is empty", () => {
    const cutter = new SegmentCutter();
    cutter.push(Buffer.alloc(4));
    expect(cutter.flush()).toHaveLength(1);
    expect(cutter.flush()).toEqual([]);
    expect(() => cutter.push(Buffer.alloc(2))).toThrow(/after flush/);
  });

  it("copies pushed chunks, so callers may reuse their buffer", () => {
    const cutter = new SegmentCutter();
    const chunk = Buffer.from([7, 0, 7, 0]);
    cutter.push(chunk);
    chunk.fill(0);
    expect([...(cutter.flush()[0]?.pcm ?? [])]).toEqual([7, 0, 7, 0]);
  });
});

describe("SegmentCutter: invariants", () => {
  it("gives the same segments for any chunking, including odd byte splits", () => {
    const sampleRate = 8000;
    const pcm = signal([tone(20), silence(0.7), tone(9.9), hum(1, -45), tone(17), silence(2), tone(19.3)], sampleRate);
    const options = { sampleRate };
    const reference = cut(pcm, options).segments;
    expect(reference.length).toBeGreaterThan(1);
    for (const chunking of [1, 3, 641, 4096, 65537, (i: number) => (i * 7919) % 3001]) {
      const { segments } = cut(pcm, options, chunking);
      expect(bounds(segments)).toEqual(bounds(reference));
      expectTiling(segments, pcm);
    }
  });

  it("holds at most maxSeconds of audio between pushes", () => {
    const pcm = signal([tone(200)]);
    const maxBytes = at(45) * 2;
    for (const chunking of [3, 32_001, at(7) * 2 + 1, at(50) * 2]) {
      const { maxBuffered } = cut(pcm, {}, chunking);
      expect(maxBuffered).toBeLessThanOrEqual(maxBytes + 1);
    }
    // The bound is reached when a run of silence keeps the cutter waiting.
    const { maxBuffered } = cut(signal([tone(34.9), silence(30), tone(30)]), { minSilenceSeconds: 20 }, 3201);
    expect(maxBuffered).toBeGreaterThan(at(40) * 2);
    expect(maxBuffered).toBeLessThanOrEqual(maxBytes + 1);
  });

  it("tiles random signals exactly and respects every limit (seeded)", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rand = random(seed);
      const sampleRate = 8000;
      const targetSeconds = 3 + rand() * 30;
      const searchWindowSeconds = rand() < 0.1 ? 0 : rand() * Math.min(targetSeconds - 0.5, 8);
      const options: CutOptions = {
        sampleRate,
        targetSeconds,
        searchWindowSeconds,
        maxSeconds: targetSeconds + searchWindowSeconds + (rand() < 0.3 ? 0 : rand() * 10),
        minSilenceSeconds: rand() * 1.2,
        silenceThresholdDb: -20 - rand() * 40,
        frameMs: 5 + Math.floor(rand() * 35),
        mergeTailSeconds: rand() * 2,
      };
      const parts: Part[] = [];
      const totalSeconds = 1 + rand() * 150;
      for (let seconds = 0; seconds < totalSeconds; ) {
        const r = rand();
        const part =
          r < 0.5 ? tone(0.2 + rand() * 12, 0.05 + rand() * 0.9) : r < 0.8 ? silence(0.05 + rand() * 3) : hum(0.05 + rand() * 3, -70 + rand() * 50);
        parts.push(part);
        seconds += part.seconds;
      }
      const pcm = signal(parts, sampleRate);
      const extra = rand() < 0.5 ? Buffer.from([42]) : Buffer.alloc(0);
      const input = Buffer.concat([pcm, extra]);
      const whole = cut(input, options);
      const chunked = cut(input, options, () => 1 + Math.floor(rand() ** 3 * 50_000));
      const plan = new SegmentCutter(options).plan;

      expect(bounds(chunked.segments), `seed ${seed}`).toEqual(bounds(whole.segments));
      expectTiling(chunked.segments, input);
      chunked.segments.forEach((segment, i) => {
        const length = segment.endSample - segment.startSample;
        expect(length, `seed ${seed} segment ${i}`).toBeLessThanOrEqual(plan.maxSegmentSamples);
        if (i < chunked.segments.length - 1) {
          expect(length, `seed ${seed} segment ${i}`).toBeGreaterThanOrEqual(plan.minSegmentSamples);
          expect(length, `seed ${seed} segment ${i}`).toBeLessThanOrEqual(plan.windowEndSamples);
        }
      });
      expect(chunked.maxBuffered, `seed ${seed}`).toBeLessThanOrEqual(plan.maxSegmentSamples * 2 + 1);
    }
  });
});
