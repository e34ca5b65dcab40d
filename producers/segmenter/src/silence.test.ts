import { describe, expect, it } from "vitest";
import { isSilentPcm, meanSquareOfDb, SILENT_SEGMENT_DB } from "./silence.ts";

const FRAME = 320; // 20 ms at 16 kHz
const silentBelow = meanSquareOfDb(SILENT_SEGMENT_DB);

function pcmOf(samples: number[]): Buffer {
  const pcm = Buffer.alloc(samples.length * 2);
  for (const [i, v] of samples.entries()) pcm.writeInt16LE(v, i * 2);
  return pcm;
}

/** A square wave of this amplitude: its RMS equals the amplitude. */
const square = (amplitude: number, length = 16_000) => pcmOf(Array.from({ length }, (_, i) => (i % 2 ? amplitude : -amplitude)));

describe("silent segments", () => {
  it("finds digital silence and hiss far below speech silent", () => {
    expect(isSilentPcm(Buffer.alloc(16_000 * 2), FRAME, silentBelow)).toBe(true);
    // ±20 is about -64 dBFS.
    expect(isSilentPcm(square(20), FRAME, silentBelow)).toBe(true);
  });

  it("leaves quiet sound to the engine: -40 dBFS is under the cutter's threshold, not silence", () => {
    // ±300 is about -40 dBFS, as quiet speech in a downmixed surround file can be.
    expect(isSilentPcm(square(300), FRAME, silentBelow)).toBe(false);
  });

  it("finds a segment with one audible frame not silent", () => {
    const samples = new Array<number>(16_000).fill(0);
    // One short frame at about -6 dBFS, at the very end (a short last frame counts too).
    for (let i = 15_990; i < 16_000; i++) samples[i] = i % 2 ? 16_000 : -16_000;
    expect(isSilentPcm(pcmOf(samples), FRAME, silentBelow)).toBe(false);
  });

  it("follows the configured level", () => {
    expect(isSilentPcm(square(300, 3200), FRAME, meanSquareOfDb(-30))).toBe(true);
    expect(isSilentPcm(square(300, 3200), FRAME, meanSquareOfDb(-50))).toBe(false);
  });
});
