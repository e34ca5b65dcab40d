// Real recorded speech with its transcripts, for word error rates that mean
// something: the LibriVox excerpts of Debian's pocketsphinx-testdata (BSD-2).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const LIBRIVOX_DIR = "/usr/share/pocketsphinx/test/data/librivox";

export interface RecordedClip {
  id: string;
  /** What was said, as the package's transcription gives it. */
  text: string;
  /** 16 kHz mono WAV. */
  path: string;
}

export function hasRecordedSpeech(): boolean {
  return existsSync(join(LIBRIVOX_DIR, "transcription"));
}

/** The clips and their references (the transcription file holds "<s> words </s> (id)" per line). */
export function recordedSpeech(): RecordedClip[] {
  return readFileSync(join(LIBRIVOX_DIR, "transcription"), "utf8")
    .split("\n")
    .map((line) => /^<s>(.*)<\/s>\s*\(([^)]+)\)/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ id: m[2]!, text: m[1]!.trim(), path: join(LIBRIVOX_DIR, `${m[2]}.wav`) }));
}
