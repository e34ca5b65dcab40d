// Whether a segment is silence throughout: every analysis frame under the
// cutter's silence threshold. Such a segment goes to ASR marked silent, and
// the worker answers it with an empty result instead of running the engine.

import { type CutPlan, FULL_SCALE_SQUARED } from "./cut-options.ts";

/** s16le mono; frames on the segment's own grid, a short last frame measured as it is. */
export function isSilentPcm(pcm: Buffer, plan: Pick<CutPlan, "frameSamples" | "silenceMeanSquare">): boolean {
  const samples = Math.floor(pcm.byteLength / 2);
  if (samples === 0) return true;
  for (let frameStart = 0; frameStart < samples; frameStart += plan.frameSamples) {
    const frameEnd = Math.min(samples, frameStart + plan.frameSamples);
    let sum = 0;
    for (let i = frameStart; i < frameEnd; i++) {
      const v = pcm.readInt16LE(i * 2);
      sum += v * v;
    }
    if (sum / ((frameEnd - frameStart) * FULL_SCALE_SQUARED) >= plan.silenceMeanSquare) return false;
  }
  return true;
}
