// Deletes what a completed job no longer needs: its segment audio (all of it,
// or all but the missing segments'), the media uploaded for it, and the expiry
// entry that watches over kept audio. Each step is an idempotent delete or
// overwrite, so a crash midway is finished by running the same step again.
// Callers hold the job's lock; this module only decides and deletes.

import { type Logger, MAX_DELETE_BATCH } from "@lingostream/runtime";
import { keepsAudio, ownedMediaPrefix } from "./audio-plan.ts";
import { JSON_CONTENT_TYPE, toJson } from "./format.ts";
import { expiryKey, type JobRef, requestedKey, segmentAudioPrefix } from "./keys.ts";
import type { SinkMetrics } from "./metrics.ts";
import type { SinkStorage } from "./storage.ts";

export type AudioDeleteReason = "completed" | "expired";

export interface AudioCleanupOutcome {
  segmentObjects: number;
  segmentBytes: number;
  mediaObjects: number;
  mediaBytes: number;
  /** Missing segments whose audio stays for replay; 0 once the job is whole or its retention passed. */
  kept: number;
  /** When the kept audio goes regardless, if any is kept. */
  expiresAt?: number;
}

export interface AudioCleanupOptions {
  storage: SinkStorage;
  logger: Logger;
  metrics: Pick<SinkMetrics, "audioDeletedObjects" | "audioDeletedBytes" | "audioExpiredJobs">;
  /** The sink's bucket: only media uploaded into it for the job is deleted. */
  bucket: string;
}

/** The body of an expiry entry; its key already names the day and the job. */
export interface ExpiryEntry {
  tenant: string;
  jobId: string;
  expiresAt: number;
  keptSegments: number;
}

const MAX_REQUESTED_BYTES = 64 * 1024;

interface Deleted {
  objects: number;
  bytes: number;
}

const NOTHING: Deleted = { objects: 0, bytes: 0 };

function counts(segments: Deleted, media: Deleted) {
  return { segmentObjects: segments.objects, segmentBytes: segments.bytes, mediaObjects: media.objects, mediaBytes: media.bytes };
}

export class AudioCleanup {
  private readonly options: AudioCleanupOptions;

  constructor(options: AudioCleanupOptions) {
    this.options = options;
  }

  /**
   * After a job's transcript is durable and announced. With nothing missing,
   * the whole audio prefix and the uploaded media go (and a pending expiry entry,
   * left from when segments were missing). Otherwise the expiry entry is written
   * first, so the kept audio is watched over even if the process dies right
   * after, and then all but the missing segments' audio goes.
   */
  async afterCompletion(job: JobRef, missing: ReadonlySet<number>, expiresAt: number | undefined): Promise<AudioCleanupOutcome> {
    const { storage } = this.options;
    const prefix = segmentAudioPrefix(job);
    if (missing.size === 0) {
      const segments = await this.deleteUnder(job, prefix, "segment", "completed", () => false);
      const media = await this.deleteMedia(job, "completed");
      if (expiresAt !== undefined) await storage.delete(expiryKey(job, expiresAt));
      return this.report(job, "completed", { ...counts(segments, media), kept: 0 });
    }
    if (expiresAt === undefined) throw new Error(`job ${job.tenant}/${job.jobId} keeps audio without an expiry`);
    const entry: ExpiryEntry = { tenant: job.tenant, jobId: job.jobId, expiresAt, keptSegments: missing.size };
    await storage.put(expiryKey(job, expiresAt), toJson(entry), JSON_CONTENT_TYPE);
    const segments = await this.deleteUnder(job, prefix, "segment", "completed", (key) => keepsAudio(prefix, key, missing));
    return this.report(job, "completed", { ...counts(segments, NOTHING), kept: missing.size, expiresAt });
  }

  /** The retention of kept audio has passed: everything goes, the expiry entry last, so a crash leaves it to be swept again. */
  async expire(job: JobRef, entryKey: string): Promise<AudioCleanupOutcome> {
    const segments = await this.deleteUnder(job, segmentAudioPrefix(job), "segment", "expired", () => false);
    const media = await this.deleteMedia(job, "expired");
    await this.options.storage.delete(entryKey);
    this.options.metrics.audioExpiredJobs.inc();
    return this.report(job, "expired", { ...counts(segments, media), kept: 0 });
  }

  private async deleteMedia(job: JobRef, reason: AudioDeleteReason): Promise<Deleted> {
    const prefix = ownedMediaPrefix(await this.source(job), this.options.bucket, job);
    return prefix === undefined ? NOTHING : this.deleteUnder(job, prefix, "media", reason, () => false);
  }

  /**
   * Deletes every object under a prefix that `keep` lets go, a listing page at
   * a time (one DeleteObjects request per page), so memory stays at one page
   * however many segments the job has.
   */
  private async deleteUnder(
    job: JobRef,
    prefix: string,
    kind: "segment" | "media",
    reason: AudioDeleteReason,
    keep: (key: string) => boolean,
  ): Promise<Deleted> {
    const { storage, metrics, logger } = this.options;
    let objects = 0;
    let bytes = 0;
    let startAfter: string | undefined;
    for (;;) {
      const page = await storage.list(prefix, MAX_DELETE_BATCH, startAfter);
      const doomed = page.filter((o) => !keep(o.key));
      if (doomed.length > 0) {
        await storage.deleteMany(doomed.map((o) => o.key));
        const size = doomed.reduce((sum, o) => sum + o.size, 0);
        objects += doomed.length;
        bytes += size;
        metrics.audioDeletedObjects.inc({ kind, reason }, doomed.length);
        metrics.audioDeletedBytes.inc({ kind, reason }, size);
        logger.debug({ tenant: job.tenant, jobId: job.jobId, prefix, objects: doomed.length, bytes: size, kept: page.length - doomed.length }, "audio batch deleted");
      }
      if (page.length < MAX_DELETE_BATCH) break;
      // Deleted keys are gone and kept ones must not be listed again.
      startAfter = page[page.length - 1]?.key;
    }
    return { objects, bytes };
  }

  /** The job's source from requested.json; without it the media cannot be known to be ours and stays. */
  private async source(job: JobRef): Promise<string | undefined> {
    const body = await this.options.storage.get(requestedKey(job), MAX_REQUESTED_BYTES);
    if (body === undefined) return undefined;
    try {
      const source = (JSON.parse(body.toString("utf8")) as { source?: unknown }).source;
      return typeof source === "string" ? source : undefined;
    } catch {
      return undefined;
    }
  }

  private report(job: JobRef, reason: AudioDeleteReason, outcome: AudioCleanupOutcome): AudioCleanupOutcome {
    const deleted = outcome.segmentObjects + outcome.mediaObjects;
    const fields = { tenant: job.tenant, jobId: job.jobId, reason, ...outcome };
    if (deleted > 0 || outcome.kept > 0) this.options.logger.info(fields, outcome.kept > 0 ? "job audio deleted but for the missing segments'" : "job audio deleted");
    else this.options.logger.debug(fields, "no job audio left to delete");
    return outcome;
  }
}
