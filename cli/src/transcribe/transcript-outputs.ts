// Writes a job's transcripts into --out: streamed from S3 into a temporary file
// beside the target and renamed over it, so an interrupted run leaves only
// whole files, and a reader never sees half a transcript.

import { createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { isPipelineError, type ObjectStore, type RetryPolicy, retry } from "@lingostream/runtime";

export const OUTPUT_EXTENSIONS = ["json", "srt", "vtt"] as const;

/**
 * A transcript is fetched as soon as its job completes, so an S3 outage or
 * restart at that moment must not end the run: the fetch is retried for about
 * a minute (only errors the store classifies as passing are retried).
 */
export const OUTPUT_FETCH_RETRY: RetryPolicy = { retries: 10, minDelayMs: 500, maxDelayMs: 8000, factor: 2 };

export interface TranscriptKeySet {
  json: string;
  srt: string;
  vtt: string;
}

/** The store's passing errors, and a response body cut off mid-way; never a local file-system error. */
function isPassing(err: unknown): boolean {
  if (isPipelineError(err)) return err.retriable;
  return ["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT"].includes((err as NodeJS.ErrnoException).code ?? "");
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
    await retry(
      async () => {
        try {
          await pipeline(await store.getStream(keys[ext]), createWriteStream(temp));
          await rename(temp, target);
        } catch (err) {
          await rm(temp, { force: true });
          throw err;
        }
      },
      OUTPUT_FETCH_RETRY,
      { isRetriable: isPassing },
    );
    written.push(target);
  }
  return written;
}
