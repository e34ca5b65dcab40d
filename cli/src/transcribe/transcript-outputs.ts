// Writes a job's transcripts into --out: streamed from S3 into a temporary file
// beside the target and renamed over it, so an interrupted run leaves only
// whole files, and a reader never sees half a transcript.

import { createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { ObjectStore } from "@lingostream/runtime";

export const OUTPUT_EXTENSIONS = ["json", "srt", "vtt"] as const;

export interface TranscriptKeySet {
  json: string;
  srt: string;
  vtt: string;
}

export function outputPaths(outDir: string, name: string): string[] {
  return OUTPUT_EXTENSIONS.map((ext) => join(outDir, `${name}.${ext}`));
}

/**
 * True when every output of `name` exists and was written after the job's
 * latest completion: a transcript repaired since (a replay) is written again.
 */
export async function outputsCurrent(outDir: string, name: string, completedAt: number): Promise<boolean> {
  for (const path of outputPaths(outDir, name)) {
    try {
      if ((await stat(path)).mtimeMs < completedAt) return false;
    } catch {
      return false;
    }
  }
  return true;
}

export async function writeOutputs(store: ObjectStore, keys: TranscriptKeySet, outDir: string, name: string): Promise<string[]> {
  const written: string[] = [];
  for (const ext of OUTPUT_EXTENSIONS) {
    const target = join(outDir, `${name}.${ext}`);
    const temp = `${target}.${process.pid}.partial`;
    try {
      await pipeline(await store.getStream(keys[ext]), createWriteStream(temp));
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    written.push(target);
  }
  return written;
}
