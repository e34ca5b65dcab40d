import { describe, expect, it } from "vitest";
import { planCuts } from "./cut-options.ts";
import { isSilentPcm } from "./silence.ts";

const plan = planCuts({ silenceThresholdDb: -30 });

function pcmOf(samples: number[]): Buffer {
  const pcm = Buffer.alloc(samples.length * 2);
  for (const [i, v] of samples.entries()) pcm.writeInt16LE(v, i * 2);
  return pcm;
}

describe("silent segments", () => {
  it("finds digital silence and quiet noise under the threshold silent", () => {
    expect(isSilentPcm(Buffer.alloc(16_000 * 2), plan)).toBe(true);
    // ±300 is about -40 dBFS, under -30.
    expect(isSilentPcm(pcmOf(Array.from({ length: 16_000 }, (_, i) => (i % 2 ? 300 : -300))), plan)).toBe(true);
  });

  it("finds a segment with one loud frame not silent", () => {
    const samples = new Array<number>(16_000).fill(0);
    // One 20 ms frame at about -6 dBFS, at the very end (a short last frame counts too).
    for (let i = 15_990; i < 16_000; i++) samples[i] = i % 2 ? 16_000 : -16_000;
    expect(isSilentPcm(pcmOf(samples), plan)).toBe(false);
  });

  it("follows the configured threshold", () => {
    const quiet = pcmOf(Array.from({ length: 3200 }, (_, i) => (i % 2 ? 300 : -300)));
    expect(isSilentPcm(quiet, planCuts({ silenceThresholdDb: -50 }))).toBe(false);
  });
});
