// What audio a completed job still needs, and when the rest of it goes: pure
// decisions, so the rules can be read and tested apart from the S3 calls.
//
// The rule: a segment's audio is needed only while it may be transcribed
// again, that is while the segment is missing from the transcript (dead-lettered,
// or its result unreadable) and `lingostream replay` could still pick it up.
// Everything else goes once the transcript is durable and announced; the
// kept audio goes when its segment is transcribed or its retention has passed.

import { parseS3Uri } from "@lingostream/runtime";
import { audioIndexFromKey, expiryDay, type JobRef, uploadedMediaPrefix } from "./keys.ts";

/**
 * Whether an object under the job's segment audio prefix stays. Only the audio
 * of a missing segment does, and anything whose name the segmenter would not
 * have written (it cannot be told apart from what a replay needs; it goes with
 * the whole prefix once nothing is missing, or at expiry).
 */
export function keepsAudio(prefix: string, key: string, missing: ReadonlySet<number>): boolean {
  const index = audioIndexFromKey(prefix, key);
  return index === undefined || missing.has(index);
}

/**
 * When the kept audio of a job goes regardless: fixed at the job's first
 * completion with segments missing, so that re-assemblies (a replay that fails
 * again, a re-delivery) never postpone it. Undefined while nothing was ever kept.
 */
export function failedAudioExpiry(missingCount: number, previousExpiresAt: number | undefined, completedAt: number, retentionMs: number): number | undefined {
  if (previousExpiresAt !== undefined) return previousExpiresAt;
  return missingCount > 0 ? completedAt + retentionMs : undefined;
}

/**
 * The prefix of a job's media that the sink may delete: only what
 * `lingostream transcribe` uploaded for this very job (media/<tenant>/<jobId>/
 * in the sink's own bucket). A user's own s3:// media, a local path or an
 * http URL is never touched.
 */
export function ownedMediaPrefix(source: string | undefined, bucket: string, job: JobRef): string | undefined {
  if (source === undefined) return undefined;
  let location: ReturnType<typeof parseS3Uri>;
  try {
    location = parseS3Uri(source);
  } catch {
    return undefined;
  }
  if (!location || location.bucket !== bucket) return undefined;
  const prefix = uploadedMediaPrefix(job);
  // A key that walks out of the prefix ("media/t/j/../x") is not the job's own.
  if (!location.key.startsWith(prefix) || location.key.split("/").some((part) => part === ".." || part === ".")) return undefined;
  return prefix;
}

/**
 * Whether an expiry entry is due. Entries of earlier days are; those of the
 * current day only once their own instant has passed (the entry's body says
 * when); later days are not.
 */
export function expiryDue(entryDay: string, expiresAt: number | undefined, now: number): boolean {
  const today = expiryDay(now);
  if (entryDay < today) return true;
  if (entryDay > today) return false;
  return expiresAt !== undefined && expiresAt <= now;
}
