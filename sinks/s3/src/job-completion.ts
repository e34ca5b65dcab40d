// Decides from S3 alone whether a job is complete, and if so assembles it,
// announces JobCompleted and then deletes the audio the job no longer needs.
// Nothing here needs memory of earlier events, so a restarted sink picks up
// where it was; the only cache (job.json) is a bounded LRU.

import type { Logger } from "@lingostream/runtime";
import { type AssembledTranscript, assembleTranscript, type JobMeta, type SegmentSlot } from "./assembler.ts";
import type { AudioCleanup, AudioCleanupOutcome } from "./audio-cleanup.ts";
import { failedAudioExpiry } from "./audio-plan.ts";
import type { CueOptions } from "./cues.ts";
import { JSON_CONTENT_TYPE, toJson } from "./format.ts";
import { KeyedMutex } from "./keyed-mutex.ts";
import { completedKey, failedPrefix, indexFromKey, type JobRef, jobMetaKey, MAX_SEGMENT_INDEX, segmentsPrefix, type TranscriptKeys } from "./keys.ts";
import { LruCache } from "./lru.ts";
import type { SinkStorage } from "./storage.ts";

/** What JobCompleted carries, before the producer's id and the event time are added. */
export interface CompletedJob extends JobRef {
  segmentCount: number;
  transcribedCount: number;
  failedCount: number;
  transcriptKeys: TranscriptKeys;
}

export type CompletionOutcome =
  /** job.json is not there yet: JobSegmented has not been consumed. */
  | { status: "waiting-for-job" }
  | { status: "incomplete"; have: number; segmentCount: number }
  /**
   * Complete, and the transcripts are what the last assembly made: nothing
   * written, nothing announced; `audio` when this check finished an audio
   * cleanup that the last one did not get to (the process died in between).
   */
  | { status: "unchanged"; audio?: AudioCleanupOutcome }
  | { status: "completed"; transcript: TranscriptSummary; audio: AudioCleanupOutcome };

/** An assembly without its text: what outlives the assembly lock, so only one job's words are ever held. */
export type TranscriptSummary = Pick<AssembledTranscript, "keys" | "sha256" | "segmentCount" | "transcribedCount" | "failedCount" | "unreadable">;

export interface JobCompletionOptions {
  storage: SinkStorage;
  logger: Logger;
  /** Produces JobCompleted; must throw unless the event is durably written. */
  publish(job: CompletedJob): Promise<void>;
  /** Deletes the audio a completed job no longer needs. */
  audio: AudioCleanup;
  /** How long the audio of missing segments is kept for replay after the job completes, ms. */
  failedAudioRetentionMs: number;
  maxSegmentBytes: number;
  jobCacheSize: number;
  cueOptions?: Partial<CueOptions>;
  clock?: () => number;
}

interface CompletedMarker {
  sha256: string;
  transcribedCount: number;
  failedCount: number;
  completedAt: number;
  /**
   * The audio cleanup this assembly calls for is done. Written false with the
   * marker and true after the deletes, so a check that finds the transcript
   * unchanged but this false (or absent, from before cleanups existed) finishes it.
   */
  audioDeleted?: boolean;
  /** When the audio kept for missing segments goes regardless; set at the first completion with any missing, and kept. */
  audioExpiresAt?: number;
}

const MAX_META_BYTES = 64 * 1024;

export class JobCompletion {
  private readonly options: JobCompletionOptions;
  private readonly metaCache: LruCache<string, JobMeta>;
  private readonly perJob = new KeyedMutex();
  /** Assemblies run one at a time, so at most one job's words are in memory. */
  private readonly assembly = new KeyedMutex();

  constructor(options: JobCompletionOptions) {
    this.options = options;
    this.metaCache = new LruCache(options.jobCacheSize);
  }

  /** Remembers job.json just written, saving the read on the next check. */
  rememberJob(meta: JobMeta): void {
    this.metaCache.set(jobCacheKey(meta), meta);
  }

  async jobMeta(job: JobRef): Promise<JobMeta | undefined> {
    const cached = this.metaCache.get(jobCacheKey(job));
    if (cached) return cached;
    const body = await this.options.storage.get(jobMetaKey(job), MAX_META_BYTES);
    if (body === undefined) return undefined;
    let meta: JobMeta;
    try {
      meta = JSON.parse(body.toString("utf8")) as JobMeta;
      if (!Number.isInteger(meta.segmentCount) || meta.segmentCount < 0) throw new Error("segmentCount is not a count");
    } catch (err) {
      // Rewritten by the next JobSegmented of the job; until then the job waits rather than blocking its partition.
      this.options.logger.error({ err, key: jobMetaKey(job) }, "job.json unreadable; job waits for its JobSegmented again");
      return undefined;
    }
    this.metaCache.set(jobCacheKey(job), meta);
    return meta;
  }

  /** Checks one job and completes it when every segment is either transcribed or failed. */
  check(job: JobRef): Promise<CompletionOutcome> {
    return this.perJob.run(jobCacheKey(job), () => this.checkNow(job));
  }

  private async checkNow(job: JobRef): Promise<CompletionOutcome> {
    const { storage } = this.options;
    const meta = await this.jobMeta(job);
    if (!meta) return { status: "waiting-for-job" };

    const segPrefix = segmentsPrefix(job);
    const segments: SegmentSlot[] = [];
    for (const o of await storage.list(segPrefix, MAX_SEGMENT_INDEX + 1)) {
      const index = indexFromKey(segPrefix, o.key);
      if (index !== undefined && index < meta.segmentCount) segments.push({ index, key: o.key });
    }
    const transcribed = new Set(segments.map((s) => s.index));
    const failPrefix = failedPrefix(job);
    const failed: number[] = [];
    for (const o of await storage.list(failPrefix, MAX_SEGMENT_INDEX + 1)) {
      const index = indexFromKey(failPrefix, o.key);
      // A dead letter whose slot has a result is superseded: the replay succeeded.
      if (index !== undefined && index < meta.segmentCount && !transcribed.has(index)) failed.push(index);
    }
    const have = segments.length + failed.length;
    if (have < meta.segmentCount) return { status: "incomplete", have, segmentCount: meta.segmentCount };

    const assembled = await this.assembly.run("assembly", () => this.assembleAndAnnounce(job, meta, segments, failed));
    if (assembled.status === "unchanged" && assembled.marker.audioDeleted === true) return { status: "unchanged" };
    // Outside the assembly lock: deleting a large job's audio holds no words,
    // and must not hold up the assembly of others.
    const audio = await this.deleteAudio(job, assembled.marker, assembled.missing);
    return assembled.status === "completed" ? { status: "completed", transcript: assembled.transcript, audio } : { status: "unchanged", audio };
  }

  /** The retention of a job's kept audio has passed: delete what is left, under the job's lock so no re-assembly interleaves. */
  expireAudio(job: JobRef, entryKey: string): Promise<AudioCleanupOutcome> {
    return this.perJob.run(jobCacheKey(job), () => this.options.audio.expire(job, entryKey));
  }

  private async assembleAndAnnounce(
    job: JobRef,
    meta: JobMeta,
    segments: SegmentSlot[],
    failed: number[],
  ): Promise<{ status: "unchanged" | "completed"; transcript: TranscriptSummary; marker: CompletedMarker; missing: Set<number> }> {
    const { storage, logger } = this.options;
    const transcript = await assembleTranscript(storage, meta, segments, failed, {
      maxSegmentBytes: this.options.maxSegmentBytes,
      cueOptions: this.options.cueOptions,
      onUnreadable: (slot, err) => logger.error({ err, key: slot.key, jobId: job.jobId, tenant: job.tenant }, "segment object unreadable; counted as failed"),
    });
    // What the transcript lacks: dead letters, and results that could not be read.
    const missing = new Set([...failed, ...transcript.unreadable]);
    const { keys, sha256, segmentCount, transcribedCount, failedCount, unreadable } = transcript;
    const summary: TranscriptSummary = { keys, sha256, segmentCount, transcribedCount, failedCount, unreadable };
    const markerKey = completedKey(job);
    const previousBody = await storage.get(markerKey, MAX_META_BYTES);
    const previous = previousBody === undefined ? undefined : (JSON.parse(previousBody.toString("utf8")) as CompletedMarker);
    if (previous !== undefined && previous.sha256 === transcript.sha256) return { status: "unchanged", transcript: summary, marker: previous, missing };

    await storage.put(transcript.keys.json, transcript.json, JSON_CONTENT_TYPE);
    await storage.put(transcript.keys.srt, transcript.srt, "application/x-subrip; charset=utf-8");
    await storage.put(transcript.keys.vtt, transcript.vtt, "text/vtt; charset=utf-8");
    await this.options.publish({
      tenant: job.tenant,
      jobId: job.jobId,
      segmentCount: transcript.segmentCount,
      transcribedCount: transcript.transcribedCount,
      failedCount: transcript.failedCount,
      transcriptKeys: transcript.keys,
    });
    // Written after the announcement: a crash before it re-announces on the next
    // trigger rather than never. No audio is deleted before this point, so the
    // transcript is durable and announced before anything it came from goes.
    const completedAt = (this.options.clock ?? Date.now)();
    const expiresAt = failedAudioExpiry(missing.size, previous?.audioExpiresAt, completedAt, this.options.failedAudioRetentionMs);
    const marker: CompletedMarker = {
      sha256: transcript.sha256,
      transcribedCount: transcript.transcribedCount,
      failedCount: transcript.failedCount,
      completedAt,
      audioDeleted: false,
      ...(expiresAt !== undefined && { audioExpiresAt: expiresAt }),
    };
    await storage.put(markerKey, toJson(marker), JSON_CONTENT_TYPE);
    return { status: "completed", transcript: summary, marker, missing };
  }

  /** Deletes the audio this assembly no longer needs, then records in the marker that it is done. */
  private async deleteAudio(job: JobRef, marker: CompletedMarker, missing: Set<number>): Promise<AudioCleanupOutcome> {
    // A marker from before cleanups existed has no expiry yet: it counts from its completion.
    const expiresAt = failedAudioExpiry(missing.size, marker.audioExpiresAt, marker.completedAt, this.options.failedAudioRetentionMs);
    const audio = await this.options.audio.afterCompletion(job, missing, expiresAt);
    const done: CompletedMarker = { ...marker, audioDeleted: true, ...(expiresAt !== undefined && { audioExpiresAt: expiresAt }) };
    await this.options.storage.put(completedKey(job), toJson(done), JSON_CONTENT_TYPE);
    return audio;
  }
}

function jobCacheKey(job: JobRef): string {
  return `${job.tenant}/${job.jobId}`;
}
