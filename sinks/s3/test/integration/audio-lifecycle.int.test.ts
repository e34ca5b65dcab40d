// Segment audio and uploaded media on the real local stack: deleted once a job's
// transcript is durable and announced, kept for dead-lettered segments until
// their replay lands or their retention passes, and a deletion cut short by a
// restart is finished on the re-delivery. Topics, groups, subjects and objects
// are this run's own and removed after.

import { randomBytes } from "node:crypto";
import { createLogger, mapLimit, type RunningService } from "@lingostream/runtime";
import { type JobCompleted, jobEventValue, readJobEvent } from "@lingostream/schemas";
import { createStackContext, type StackContext, waitFor } from "@lingostream/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AudioCleanup } from "../../src/audio-cleanup.ts";
import { createS3Storage, createSinkMetrics, type SinkOptions, startS3Sink } from "../../src/index.ts";
import { deadLetterEvent, transcribedEvent } from "../sink-events.ts";

const run = randomBytes(3).toString("hex");
const tenant = `it-audio-${run}`;
const AUDIO_BYTES = 2048;
const MEDIA_BYTES = 4096;

let stack: StackContext;
const completions: JobCompleted[] = [];
const running: RunningService[] = [];

const sinkOptions = (extra: SinkOptions = {}): SinkOptions => ({
  groupId: `${stack.prefix}sink`,
  flushRecords: 3,
  flushIntervalMs: 300,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1000,
  retryPolicy: { retries: 3, minDelayMs: 50, maxDelayMs: 500, factor: 2 },
  ...extra,
});

const audioKey = (jobId: string, index: number) => `segments/${tenant}/${jobId}/${String(index).padStart(6, "0")}.wav`;
const mediaKey = (jobId: string) => `media/${tenant}/${jobId}/talk.mp4`;
const markerKey = (jobId: string) => `jobs/${tenant}/${jobId}/completed.json`;

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of stack.ctx.store.list(prefix)) keys.push(o.key);
  return keys;
}

/** What the segmenter and `transcribe` leave in S3 for a job: one WAV per segment and, unless the source is elsewhere, the uploaded media. */
async function writeAudio(jobId: string, segmentCount: number, source = "uploaded"): Promise<void> {
  for (let i = 0; i < segmentCount; i++) await stack.ctx.store.put(audioKey(jobId, i), Buffer.alloc(AUDIO_BYTES), "audio/wav");
  if (source === "uploaded") await stack.ctx.store.put(mediaKey(jobId), Buffer.alloc(MEDIA_BYTES), "video/mp4");
}

async function submit(jobId: string, segmentCount: number, source = `s3://${stack.ctx.store.bucket}/${mediaKey(jobId)}`): Promise<void> {
  const { ctx } = stack;
  const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const value of [
      jobEventValue("JobRequested", { tenant, jobId, source, sourceName: "talk.mp4", language: "en", engine: "deterministic", producerId: "it", eventTime: 1 }),
      jobEventValue("JobSegmented", { tenant, jobId, segmentCount, durationSeconds: segmentCount * 5, producerId: "it", eventTime: 2 }),
    ]) {
      await producer.send({ topic: ctx.topics.jobs, messages: [{ key: jobId, value: await ctx.serde.encode("jobs", value) }] });
    }
  } finally {
    await producer.disconnect();
  }
}

async function sendResults(jobId: string, indices: number[]): Promise<void> {
  const { ctx } = stack;
  const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const i of indices) {
      await producer.send({ topic: ctx.topics.results, messages: [{ key: jobId, value: await ctx.serde.encode("results", transcribedEvent(tenant, jobId, i)) }] });
    }
  } finally {
    await producer.disconnect();
  }
}

async function sendDeadLetter(jobId: string, index: number): Promise<void> {
  const { ctx } = stack;
  const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const value = deadLetterEvent(tenant, jobId, index, { segmentsTopic: ctx.topics.segments, bucket: ctx.store.bucket });
    await producer.send({ topic: ctx.topics.segmentsFailed, messages: [{ key: `${jobId}/${index}`, value: await ctx.serde.encode("segmentsFailed", value) }] });
  } finally {
    await producer.disconnect();
  }
}

async function marker(jobId: string): Promise<{ audioDeleted?: boolean; audioExpiresAt?: number } | undefined> {
  if (!(await stack.ctx.store.exists(markerKey(jobId)))) return undefined;
  return JSON.parse((await stack.ctx.store.get(markerKey(jobId), 1e6)).toString("utf8"));
}

/** The expiry entry key as the sink files it: lifecycle/expire/<UTC day of expiry>/<tenant>/<jobId>.json. */
const expiryEntry = (jobId: string, expiresAt: number) => `lifecycle/expire/${new Date(expiresAt).toISOString().slice(0, 10)}/${tenant}/${jobId}.json`;

const completionsOf = (jobId: string) => completions.filter((c) => c.jobId === jobId);

async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await stack.ctx.metrics.getSingleMetric(name)?.get();
  return (metric?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

beforeAll(async () => {
  stack = await createStackContext("sink-audio", { partitions: 2 });
  const reader = stack.ctx.kafka.consumer({ groupId: `${stack.prefix}reader` });
  await reader.connect();
  await reader.subscribe({ topic: stack.ctx.topics.jobs, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      if (!message.value) return;
      const tagged = readJobEvent((await stack.ctx.serde.decodeAs("jobs", message.value)).value);
      if (tagged.type === "JobCompleted") completions.push(tagged.event);
    },
  });
  running.push({ name: "reader", done: Promise.resolve(), stop: () => reader.disconnect() });
  running.push(await startS3Sink(stack.ctx, sinkOptions()));
});

afterAll(async () => {
  while (running.length > 0) await running.pop()?.stop().catch(() => {});
  if (!stack) return;
  const store = stack.ctx.store;
  for (const prefix of [`jobs/${tenant}/`, `transcripts/${tenant}/`, `segments/${tenant}/`, `media/${tenant}/`, `user-media/${tenant}/`, `archive/${stack.prefix}`]) {
    for (const key of await keysUnder(prefix).catch(() => [])) await store.delete(key).catch(() => {});
  }
  for (const key of await keysUnder("lifecycle/expire/").catch(() => [])) if (key.includes(`/${tenant}/`)) await store.delete(key).catch(() => {});
  await stack.cleanup();
});

describe("segment audio lifecycle in the S3 sink", () => {
  it("deletes a fully transcribed job's segment audio and uploaded media after JobCompleted, and keeps its transcripts and a user's own media", async () => {
    const jobA = `job-a-${run}`;
    const jobU = `job-u-${run}`;
    await writeAudio(jobA, 3);
    await writeAudio(jobU, 2, "user");
    const userMedia = `user-media/${tenant}/talk.mp4`;
    await stack.ctx.store.put(userMedia, Buffer.alloc(MEDIA_BYTES));
    const deletedBefore = await counter("lingostream_sink_audio_deleted_objects_total", { kind: "segment" });

    await submit(jobA, 3);
    await submit(jobU, 2, `s3://${stack.ctx.store.bucket}/${userMedia}`);
    await sendResults(jobA, [2, 0, 1]);
    await sendResults(jobU, [0, 1]);

    await waitFor(() => completionsOf(jobA)[0], "JobCompleted for job A");
    await waitFor(async () => (await keysUnder(`segments/${tenant}/${jobA}/`)).length === 0, "job A's segment audio to be deleted");
    expect(await stack.ctx.store.exists(mediaKey(jobA))).toBe(false);
    for (const ext of ["json", "srt", "vtt"]) expect(await stack.ctx.store.exists(`transcripts/${tenant}/${jobA}/transcript.${ext}`)).toBe(true);
    expect(await marker(jobA)).toMatchObject({ audioDeleted: true });

    await waitFor(() => completionsOf(jobU)[0], "JobCompleted for job U");
    await waitFor(async () => (await keysUnder(`segments/${tenant}/${jobU}/`)).length === 0, "job U's segment audio to be deleted");
    expect(await stack.ctx.store.exists(userMedia)).toBe(true);
    expect(await counter("lingostream_sink_audio_deleted_objects_total", { kind: "segment" })).toBeGreaterThanOrEqual(deletedBefore + 5);
    expect(await counter("lingostream_sink_audio_deleted_bytes_total", { kind: "media" })).toBeGreaterThanOrEqual(MEDIA_BYTES);
  });

  it("keeps only a dead-lettered segment's audio, and deletes it with the media once its replayed result is assembled", async () => {
    const jobB = `job-b-${run}`;
    await writeAudio(jobB, 3);
    await submit(jobB, 3);
    await sendResults(jobB, [0, 2]);
    await sendDeadLetter(jobB, 1);

    await waitFor(() => completionsOf(jobB)[0], "JobCompleted for job B");
    expect(completionsOf(jobB)[0]).toMatchObject({ transcribedCount: 2, failedCount: 1 });
    const kept = await waitFor(async () => ((await marker(jobB))?.audioDeleted ? marker(jobB) : undefined), "job B's audio cleanup");
    expect(await keysUnder(`segments/${tenant}/${jobB}/`)).toEqual([audioKey(jobB, 1)]);
    expect(await stack.ctx.store.exists(mediaKey(jobB))).toBe(true);
    const entry = expiryEntry(jobB, kept?.audioExpiresAt ?? 0);
    expect(await stack.ctx.store.exists(entry)).toBe(true);
    // Kept for the default retention: that of asr.segments.failed, 90 days.
    expect((kept?.audioExpiresAt ?? 0) - Date.now()).toBeGreaterThan(89 * 86_400_000);

    // The replay's result lands: the job is re-assembled whole, and nothing of its audio is needed any more.
    await sendResults(jobB, [1]);
    await waitFor(() => completionsOf(jobB)[1], "the second JobCompleted for job B");
    expect(completionsOf(jobB)[1]).toMatchObject({ transcribedCount: 3, failedCount: 0 });
    await waitFor(async () => (await keysUnder(`segments/${tenant}/${jobB}/`)).length === 0, "job B's kept audio to be deleted");
    await waitFor(async () => !(await stack.ctx.store.exists(mediaKey(jobB))), "job B's media to be deleted");
    await waitFor(async () => !(await stack.ctx.store.exists(entry)), "job B's expiry entry to be deleted");
  });

  it("finishes a deletion cut short by a restart between the completed marker and the deletes when the results are delivered again", async () => {
    const jobC = `job-c-${run}`;
    await submit(jobC, 2);
    await sendResults(jobC, [0, 1]);
    await waitFor(async () => ((await marker(jobC))?.audioDeleted ? true : undefined), "job C to complete");
    await running.pop()?.stop();

    // The state a crash right after the marker leaves: marker written, audio and media still there.
    const { audioDeleted: _, ...withoutFlag } = (await marker(jobC)) ?? {};
    await stack.ctx.store.put(markerKey(jobC), JSON.stringify(withoutFlag), "application/json");
    await writeAudio(jobC, 2);

    running.push(await startS3Sink(stack.ctx, sinkOptions()));
    await sendResults(jobC, [1]);
    await waitFor(async () => (await keysUnder(`segments/${tenant}/${jobC}/`)).length === 0, "job C's audio deletion to be finished");
    expect(await stack.ctx.store.exists(mediaKey(jobC))).toBe(false);
    expect(await marker(jobC)).toMatchObject({ audioDeleted: true });
    // An unchanged transcript is not announced again.
    expect(completionsOf(jobC)).toHaveLength(1);
  });

  it("deletes a dead-lettered segment's audio and the media once the retention has passed", async () => {
    await running.pop()?.stop();
    const retentionMs = 6_000;
    running.push(await startS3Sink(stack.ctx, sinkOptions({ failedAudioRetentionMs: retentionMs, audioSweepIntervalMs: 500 })));
    const jobD = `job-d-${run}`;
    await writeAudio(jobD, 2);
    await submit(jobD, 2);
    await sendResults(jobD, [0]);
    await sendDeadLetter(jobD, 1);
    const expiredBefore = await counter("lingostream_sink_audio_expired_jobs_total");

    await waitFor(() => completionsOf(jobD)[0], "JobCompleted for job D");
    const kept = await waitFor(async () => ((await marker(jobD))?.audioDeleted ? marker(jobD) : undefined), "job D's audio cleanup");
    const expiresAt = kept?.audioExpiresAt ?? 0;
    if (Date.now() < expiresAt) expect(await keysUnder(`segments/${tenant}/${jobD}/`)).toEqual([audioKey(jobD, 1)]);

    await waitFor(async () => (await keysUnder(`segments/${tenant}/${jobD}/`)).length === 0, "job D's kept audio to expire", 60_000);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    await waitFor(async () => !(await stack.ctx.store.exists(expiryEntry(jobD, expiresAt))), "job D's expiry entry to be deleted");
    expect(await stack.ctx.store.exists(mediaKey(jobD))).toBe(false);
    expect(await counter("lingostream_sink_audio_expired_jobs_total")).toBeGreaterThan(expiredBefore);
  });

  it("deletes a large job's audio through DeleteObjects a page of 1000 keys at a time, paging past the kept audio", async () => {
    const jobL = `job-l-${run}`;
    const count = 2_100;
    const indices = Array.from({ length: count }, (_, i) => i);
    await mapLimit(indices, 16, (i) => stack.ctx.store.put(audioKey(jobL, i), Buffer.alloc(16), "audio/wav"));
    const storage = createS3Storage(stack.ctx.store, { retryPolicy: { retries: 3, minDelayMs: 50, maxDelayMs: 500, factor: 2 }, logger: createLogger({ level: "silent" }) });
    const cleanup = new AudioCleanup({ storage, logger: createLogger({ level: "silent" }), metrics: createSinkMetrics(stack.ctx.metrics), bucket: stack.ctx.store.bucket });

    const outcome = await cleanup.afterCompletion({ tenant, jobId: jobL }, new Set([0, 1500]), Date.now() + 60_000);
    expect(outcome).toMatchObject({ segmentObjects: count - 2, segmentBytes: (count - 2) * 16, kept: 2 });
    expect(await keysUnder(`segments/${tenant}/${jobL}/`)).toEqual([audioKey(jobL, 0), audioKey(jobL, 1500)]);

    // Deleting again what is gone is fine; with nothing missing the rest goes too.
    expect(await cleanup.afterCompletion({ tenant, jobId: jobL }, new Set(), Date.now() + 60_000)).toMatchObject({ segmentObjects: 2, kept: 0 });
    expect(await keysUnder(`segments/${tenant}/${jobL}/`)).toEqual([]);
  });
});
