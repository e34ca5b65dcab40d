// Segments one job's media: each cut is uploaded as a WAV object (the claim
// check) and announced as an AudioSegment; JobSegmented closes the job's
// segment list. Segment ids and object keys are deterministic, so running a
// job twice (after a crash) overwrites instead of duplicating, and segments
// announced by an earlier pass are not announced again (publish-progress).

import { appendJobEvent, encodeWav, type ServiceContext, type StoredObject } from "@lingostream/runtime";
import type { AudioSegment, JobRequested } from "@lingostream/schemas";
import type { Producer } from "kafkajs";
import type { SegmenterConfig } from "./config.ts";
import type { CutOptions } from "./cut-options.ts";
import { tenantMediaLimits } from "./media-limits.ts";
import { publishedBefore, recordPublished } from "./publish-progress.ts";
import { type MediaSegment, segmentMedia } from "./segment-media.ts";

export interface SegmentJobOptions {
  config: SegmenterConfig;
  producer: Producer;
  /** ffmpeg-readable input for the job's source (a path, or a presigned URL for s3://). */
  input: string;
  signal?: AbortSignal;
  /** Awaited before each new cut: memory backpressure holds the segmenter here. */
  shouldPause?: () => Promise<void>;
  /**
   * Awaited before a cut segment is uploaded and announced (not for segments an
   * earlier pass announced): the look-ahead bound holds the segmenter here, with
   * that one segment in hand and ffmpeg blocked behind its read-ahead.
   */
  beforePublish?: () => Promise<void>;
  onSegment?: (index: number, silent: boolean) => void;
}

export function segmentId(jobId: string, index: number): string {
  return `${jobId}-${String(index).padStart(6, "0")}`;
}

export function segmentKey(tenant: string, jobId: string, index: number): string {
  return `segments/${tenant}/${jobId}/${String(index).padStart(6, "0")}.wav`;
}

/** Where the segmenter cuts, as its configuration says (the progress record keeps these too). */
export function cutOptionsOf(config: SegmenterConfig): CutOptions {
  return {
    targetSeconds: config.targetSeconds,
    searchWindowSeconds: config.searchWindowSeconds,
    maxSeconds: config.maxSeconds,
    silenceThresholdDb: config.silenceThresholdDb,
    minSilenceSeconds: config.minSilenceSeconds,
  };
}

export async function segmentJob(ctx: ServiceContext, job: JobRequested, options: SegmentJobOptions): Promise<{ segmentCount: number; durationSeconds: number }> {
  const { config, producer } = options;
  let count = 0;
  let end = 0;
  const cut = cutOptionsOf(config);
  const skipBelow = await publishedBefore(ctx.store, job.tenant, job.jobId, cut);
  const limits = tenantMediaLimits(config, config.tenants, job.tenant);
  // A segment is cut and uploaded while the one before it is announced, and the
  // progress record is written while the next one is: none waits in another's path.
  // At most two segments' audio is in hand; they are announced in order, each once
  // its upload is done (not when the next is cut), none after one that failed; the
  // record (one write at a time, in order) only counts acknowledged events.
  const inHand: { stored: Promise<StoredObject>; announced: Promise<void> }[] = [];
  let announced: Promise<void> = Promise.resolve();
  let recording: Promise<void> = Promise.resolve();
  const announce = async (segment: MediaSegment, wav: Buffer, key: string, stored: StoredObject): Promise<void> => {
    const event = segmentEvent(ctx, config, job, segment, wav, key, stored);
    await producer.send({ topic: ctx.topics.segments, acks: -1, messages: [{ key: event.segmentId, value: await ctx.serde.encode("segments", event) }] });
    count++;
    end = segment.endSeconds;
    await recording;
    recording = recordPublished(ctx.store, job.tenant, job.jobId, { published: count, cut });
    // Awaited at the next segment or below; a failure seen there ends the job as before.
    recording.catch(() => {});
    options.onSegment?.(segment.index, segment.silent);
  };
  try {
    for await (const segment of segmentMedia(options.input, { cut, limits, silentBelowDb: config.silentSegmentDb, probeTimeoutMs: config.probeTimeoutMs, signal: options.signal, shouldPause: options.shouldPause })) {
      if (segment.index < skipBelow) {
        count++;
        end = segment.endSeconds;
        continue;
      }
      await options.beforePublish?.();
      const wav = encodeWav(segment.pcm, segment.sampleRate, segment.channels);
      const key = segmentKey(job.tenant, job.jobId, segment.index);
      const stored = ctx.store.put(key, wav, "audio/wav");
      announced = announced.then(async () => {
        const done = await stored;
        // A stopped segmenter announces nothing more, uploaded or not.
        options.signal?.throwIfAborted();
        await announce(segment, wav, key, done);
      });
      // Both are awaited below; a failure seen there ends the job as before.
      stored.catch(() => {});
      announced.catch(() => {});
      inHand.push({ stored, announced });
      while (inHand.length > 1) await inHand.shift()!.announced;
    }
    await announced;
    await recording;
  } finally {
    // Every path leaves no write behind it (an announcement may start a record).
    await Promise.allSettled([announced, ...inHand.map((held) => held.stored)]);
    await recording.catch(() => {});
  }
  await appendJobEvent(ctx, producer, "JobSegmented", {
    tenant: job.tenant,
    jobId: job.jobId,
    segmentCount: count,
    durationSeconds: end,
    producerId: ctx.instanceId,
    eventTime: Date.now(),
  });
  return { segmentCount: count, durationSeconds: end };
}

function segmentEvent(ctx: ServiceContext, config: SegmenterConfig, job: JobRequested, segment: MediaSegment, wav: Buffer, key: string, stored: StoredObject): AudioSegment {
  return {
    tenant: job.tenant,
    jobId: job.jobId,
    segmentId: segmentId(job.jobId, segment.index),
    index: segment.index,
    startSeconds: segment.startSeconds,
    endSeconds: segment.endSeconds,
    language: job.language,
    engine: job.engine,
    attempt: 1,
    claimCheck: {
      bucket: ctx.store.bucket,
      key,
      byteSize: stored.byteSize,
      sha256: stored.sha256,
      sampleRate: segment.sampleRate,
      channels: segment.channels,
      encoding: "wav/pcm_s16le",
    },
    inlineAudio: wav.byteLength <= config.inlineAudioBytes ? wav : null,
    producerId: ctx.instanceId,
    eventTime: Date.now(),
    firstFailureTime: null,
    silent: segment.silent,
    priority: job.priority ?? "normal",
  };
}
