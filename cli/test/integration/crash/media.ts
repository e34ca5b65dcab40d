// Generated inputs for fault runs: seeded noise bursts between silences, so the
// segmenter cuts at the same places every time and the deterministic engine
// (one word per second, from a hash of that second's bytes) gives varied words.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface MediaSpec {
  name: string;
  seconds: number;
  seed: number;
  /** Noise for `burst` seconds, then silence until `period`. */
  period: number;
  burst: number;
}

export const CRASH_MEDIA: MediaSpec[] = [
  { name: "bursts-a.wav", seconds: 170, seed: 11, period: 7, burst: 5.5 },
  { name: "bursts-b.flac", seconds: 190, seed: 23, period: 9, burst: 7.5 },
  { name: "bursts-c.wav", seconds: 150, seed: 37, period: 6, burst: 4.5 },
];

export async function generateMedia(dir: string, specs = CRASH_MEDIA): Promise<string[]> {
  const paths: string[] = [];
  for (const spec of specs) {
    const path = join(dir, spec.name);
    await run("ffmpeg", [
      "-nostdin",
      "-loglevel",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      `anoisesrc=d=${spec.seconds}:c=pink:r=16000:a=0.4:seed=${spec.seed}`,
      "-af",
      `volume='if(lt(mod(t,${spec.period}),${spec.burst}),1,0)':eval=frame`,
      "-ac",
      "1",
      path,
    ]);
    paths.push(path);
  }
  return paths;
}
