// The arithmetic of the backlog and resume benchmarks, apart from their I/O.

import type { PrefixUsage, RunPrefixKind } from "./s3-usage.ts";

/** "16 h", "1.5 h", "40 min", "90 s". */
export function audioLabel(seconds: number): string {
  if (seconds >= 3600) return `${Number((seconds / 3600).toFixed(1))} h`;
  if (seconds >= 60) return `${Number((seconds / 60).toFixed(1))} min`;
  return `${Math.round(seconds)} s`;
}

/** Files of clipSeconds each that come closest to targetSeconds (at least one). */
export function filesFor(targetSeconds: number, clipSeconds: number): number {
  return Math.max(1, Math.round(targetSeconds / clipSeconds));
}

export interface S3Leftover {
  /** Transcripts, archive batches and job records: what a finished run is meant to keep. */
  keptBytes: number;
  /** Everything under the run's prefixes. */
  totalBytes: number;
  /** segments/ bytes of jobs that completed without dead letters: audio that should be gone. */
  audioBytes: number;
  /** segments/ bytes of jobs with dead letters (kept for a replay), not counted against the goal. */
  deadLetterAudioBytes: number;
  /** Uploaded source media still there (embedded runs of local files upload none). */
  mediaBytes: number;
  /** Nothing is left but what is meant to be kept. */
  met: boolean;
}

/** What a run left in S3, against the goal that only transcripts, archive batches and job records stay. */
export function s3Leftover(usage: Record<RunPrefixKind, PrefixUsage>, deadLetteredJobs: ReadonlySet<string> = new Set()): S3Leftover {
  const keptBytes = usage.transcripts.bytes + usage.archive.bytes + usage.jobs.bytes;
  const totalBytes = keptBytes + usage.segments.bytes + usage.media.bytes;
  let deadLetterAudioBytes = 0;
  for (const [jobId, bytes] of Object.entries(usage.segments.byChild)) if (deadLetteredJobs.has(jobId)) deadLetterAudioBytes += bytes;
  const audioBytes = usage.segments.bytes - deadLetterAudioBytes;
  return { keptBytes, totalBytes, audioBytes, deadLetterAudioBytes, mediaBytes: usage.media.bytes, met: audioBytes === 0 && usage.media.bytes === 0 };
}

/**
 * Job ids with dead letters in a `transcribe --json` summary, read leniently:
 * any object with a jobId and a non-empty list or positive count of failed segments.
 */
export function deadLetteredJobs(summary: unknown): Set<string> {
  const out = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    if (typeof record.jobId === "string") {
      for (const key of ["failedSegments", "failed", "deadLetters"]) {
        const v = record[key];
        if ((Array.isArray(v) && v.length > 0) || (typeof v === "number" && v > 0)) out.add(record.jobId);
      }
    }
    for (const value of Object.values(record)) if (typeof value === "object") visit(value);
  };
  visit(summary);
  return out;
}
