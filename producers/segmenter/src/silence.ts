// Whether a segment is silence throughout: every analysis frame quieter than
// SILENT_SEGMENT_DB. Such a segment goes to ASR marked silent, and the worker
// answers it with an empty result instead of running the engine.
//
// The bar is far below the cutter's silence threshold (-30 dBFS by default), on
// purpose: that one finds pauses worth cutting in, while this one decides that
// nobody speaks. Quiet speech (a distant microphone, a voice in one channel of a
// downmixed surround file) sits around -30 to -45 dBFS and must still reach the
// engine; digital silence, a muted track and hiss sit under -60.

import { FULL_SCALE_SQUARED } from "./cut-options.ts";

/** dBFS (RMS) under which every frame must stay for a segment to count as silent. */
export const SILENT_SEGMENT_DB = -60;

/** Mean square (full scale = 1) of a dBFS level. */
export function meanSquareOfDb(db: number): number {
  return 10 ** (db / 10);
}

/** s16le mono, in frames of `frameSamples` (a short last frame measured as it is). */
export function isSilentPcm(pcm: Buffer, frameSamples: number, silentMeanSquare: number): boolean {
  const samples = Math.floor(pcm.byteLength / 2);
  if (samples === 0) return true;
  for (let frameStart = 0; frameStart < samples; frameStart += frameSamples) {
    const frameEnd = Math.min(samples, frameStart + frameSamples);
    let sum = 0;
    for (let i = frameStart; i < frameEnd; i++) {
      const v = pcm.readInt16LE(i * 2);
      sum += v * v;
    }
    if (sum / ((frameEnd - frameStart) * FULL_SCALE_SQUARED) >= silentMeanSquare) return false;
  }
  return true;
}
