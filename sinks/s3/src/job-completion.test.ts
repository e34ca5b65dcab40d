import { createLogger, Registry } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../test/memory-storage.ts";
import { sampleResult } from "../test/sample-results.ts";
import type { JobMeta } from "./assembler.ts";
import { AudioCleanup } from "./audio-cleanup.ts";
import { toJson } from "./format.ts";
import { type CompletedJob, JobCompletion } from "./job-completion.ts";
import { JobLedger } from "./job-ledger.ts";
import { completedKey, expiryKey, failedKey, jobMetaKey, requestedKey, segmentKey, transcriptKeys } from "./keys.ts";
import { createSinkMetrics } from "./metrics.ts";

const job = { tenant: "acme", jobId: "job-1" };
const BUCKET = "lingostream";
const RETENTION_MS = 1000;
const logger = createLogger({ level: "silent" });

function audioCleanup(storage: MemoryStorage) {
  return new AudioCleanup({ storage, logger, metrics: createSinkMetrics(new Registry()), bucket: BUCKET });
}

function setup(segmentCount = 3) {
  const storage = new MemoryStorage();
  const published: CompletedJob[] = [];
  const completion = new JobCompletion({
    storage,
    logger,
    publish: async (j) => {
      storage.calls.push(`publish ${j.jobId}`);
      published.push(j);
    },
    audio: audioCleanup(storage),
    failedAudioRetentionMs: RETENTION_MS,
    maxSegmentBytes: 1e6,
    jobCacheSize: 2,
    clock: () => 42,
  });
  const meta: JobMeta = { ...job, segmentCount, durationSeconds: 30 };
  const writeMeta = () => storage.objects.set(jobMetaKey(job), Buffer.from(toJson(meta)));
  const writeSegment = (i: number, text?: string) => storage.objects.set(segmentKey(job, i), Buffer.from(toJson(sampleResult(i, { text }))));
  const writeFailed = (i: number) => storage.objects.set(failedKey(job, i), Buffer.from("{}"));
  /** Segment audio as the segmenter leaves it, and the media `transcribe` uploaded for the job. */
  const writeAudio = (count = segmentCount) => {
    for (let i = 0; i < count; i++) storage.objects.set(audioKey(i), Buffer.alloc(100));
    storage.objects.set(MEDIA, Buffer.alloc(1000));
    storage.objects.set(requestedKey(job), Buffer.from(toJson({ ...job, source: `s3://${BUCKET}/${MEDIA}` })));
  };
  return { storage, published, completion, writeMeta, writeSegment, writeFailed, writeAudio };
}

const MEDIA = "media/acme/job-1/talk.mp4";
const audioKey = (i: number, jobId = "job-1") => `segments/acme/${jobId}/${String(i).padStart(6, "0")}.wav`;
const audioLeft = (storage: MemoryStorage, jobId = "job-1") => [...storage.objects.keys()].filter((k) => k.startsWith(`segments/acme/${jobId}/`)).sort();
const marker = (storage: MemoryStorage) => storage.json(completedKey(job)) as { audioDeleted?: boolean; audioExpiresAt?: number };

describe("JobCompletion", () => {
  it("waits for job.json, then for every segment, then assembles and announces once", async () => {
    const { storage, published, completion, writeMeta, writeSegment } = setup();
    writeSegment(0);
    writeSegment(2);
    expect(await completion.check(job)).toEqual({ status: "waiting-for-job" });
    writeMeta();
    expect(await completion.check(job)).toEqual({ status: "incomplete", have: 2, segmentCount: 3 });
    writeSegment(1);
    const outcome = await completion.check(job);
    expect(outcome.status).toBe("completed");
    expect(published).toEqual([{ ...job, segmentCount: 3, transcribedCount: 3, failedCount: 0, transcriptKeys: transcriptKeys(job) }]);
    for (const key of Object.values(transcriptKeys(job))) expect(storage.objects.has(key)).toBe(true);
    expect(storage.json(completedKey(job))).toMatchObject({ transcribedCount: 3, completedAt: 42 });

    // A re-delivery that changes nothing writes nothing and announces nothing.
    writeSegment(1);
    expect(await completion.check(job)).toEqual({ status: "unchanged" });
    expect(published).toHaveLength(1);
  });

  it("completes with failed segments, and re-assembles whole when a failed one is replayed successfully", async () => {
    const { storage, published, completion, writeMeta, writeSegment, writeFailed } = setup();
    writeMeta();
    writeSegment(0);
    writeFailed(1);
    writeSegment(2);
    await completion.check(job);
    expect(published.at(-1)).toMatchObject({ transcribedCount: 2, failedCount: 1 });
    expect((storage.json(transcriptKeys(job).json) as { failedSegments: number[] }).failedSegments).toEqual([1]);

    writeSegment(1);
    expect((await completion.check(job)).status).toBe("completed");
    expect(published).toHaveLength(2);
    expect(published.at(-1)).toMatchObject({ transcribedCount: 3, failedCount: 0 });
    const transcript = storage.json(transcriptKeys(job).json) as { failedSegments: number[]; segments: unknown[] };
    expect(transcript.failedSegments).toEqual([]);
    expect(transcript.segments).toHaveLength(3);
  });

  it("does not count a dead letter superseded by a result twice", async () => {
    const { published, completion, writeMeta, writeSegment, writeFailed } = setup();
    writeMeta();
    writeSegment(0);
    writeSegment(1);
    writeFailed(1);
    expect(await completion.check(job)).toEqual({ status: "incomplete", have: 2, segmentCount: 3 });
    expect(published).toEqual([]);
  });

  it("leaves the marker unwritten when publishing fails, so the next check announces again", async () => {
    const { storage, completion, writeMeta, writeSegment } = setup(1);
    writeMeta();
    writeSegment(0);
    const failing = new JobCompletion({
      storage,
      logger,
      publish: async () => {
        throw new Error("kafka down");
      },
      audio: audioCleanup(storage),
      failedAudioRetentionMs: RETENTION_MS,
      maxSegmentBytes: 1e6,
      jobCacheSize: 2,
    });
    await expect(failing.check(job)).rejects.toThrow("kafka down");
    expect(storage.objects.has(completedKey(job))).toBe(false);
    expect((await completion.check(job)).status).toBe("completed");
  });
});

describe("JobCompletion deletes audio the job no longer needs", () => {
  it("deletes all segment audio and the uploaded media only after the transcript is written, announced and marked", async () => {
    const { storage, completion, writeMeta, writeSegment, writeAudio } = setup();
    writeMeta();
    writeAudio();
    // Neighbours that must survive: a job whose id shares the prefix, a user's own media.
    storage.objects.set(audioKey(0, "job-10"), Buffer.alloc(10));
    storage.objects.set("media/acme/job-10/other.mp4", Buffer.alloc(10));
    for (const i of [0, 1, 2]) writeSegment(i);

    const outcome = await completion.check(job);
    expect(outcome).toMatchObject({ status: "completed", audio: { segmentObjects: 3, segmentBytes: 300, mediaObjects: 1, mediaBytes: 1000, kept: 0 } });
    expect(audioLeft(storage)).toEqual([]);
    expect(storage.objects.has(MEDIA)).toBe(false);
    expect(audioLeft(storage, "job-10")).toEqual([audioKey(0, "job-10")]);
    expect(storage.objects.has("media/acme/job-10/other.mp4")).toBe(true);
    for (const key of Object.values(transcriptKeys(job))) expect(storage.objects.has(key)).toBe(true);
    expect(marker(storage)).toMatchObject({ audioDeleted: true });
    expect(marker(storage).audioExpiresAt).toBeUndefined();

    const order = storage.calls.filter((c) => /^(put transcripts|publish|put jobs\/acme\/job-1\/completed|deleteMany)/.test(c));
    expect(order).toEqual([
      `put ${transcriptKeys(job).json}`,
      `put ${transcriptKeys(job).srt}`,
      `put ${transcriptKeys(job).vtt}`,
      "publish job-1",
      `put ${completedKey(job)}`,
      `deleteMany ${audioKey(0)}`,
      `deleteMany ${MEDIA}`,
      `put ${completedKey(job)}`,
    ]);
  });

  it("keeps the dead-lettered segment's audio and media with an expiry entry, and deletes them once its replayed result is assembled", async () => {
    const { storage, completion, writeMeta, writeSegment, writeFailed, writeAudio } = setup();
    writeMeta();
    writeAudio();
    writeSegment(0);
    writeFailed(1);
    writeSegment(2);

    const first = await completion.check(job);
    expect(first).toMatchObject({ status: "completed", audio: { segmentObjects: 2, mediaObjects: 0, kept: 1, expiresAt: 42 + RETENTION_MS } });
    expect(audioLeft(storage)).toEqual([audioKey(1)]);
    expect(storage.objects.has(MEDIA)).toBe(true);
    const entry = expiryKey(job, 42 + RETENTION_MS);
    expect(entry).toBe("lifecycle/expire/1970-01-01/acme/job-1.json");
    expect(storage.json(entry)).toEqual({ tenant: "acme", jobId: "job-1", expiresAt: 42 + RETENTION_MS, keptSegments: 1 });
    expect(marker(storage)).toMatchObject({ audioDeleted: true, audioExpiresAt: 42 + RETENTION_MS });

    // The replay's result lands (the writer deletes the superseded dead letter).
    writeSegment(1);
    storage.objects.delete(failedKey(job, 1));
    const second = await completion.check(job);
    expect(second).toMatchObject({ status: "completed", audio: { segmentObjects: 1, mediaObjects: 1, kept: 0 } });
    expect(audioLeft(storage)).toEqual([]);
    expect(storage.objects.has(MEDIA)).toBe(false);
    expect(storage.objects.has(entry)).toBe(false);
    expect(marker(storage)).toMatchObject({ audioDeleted: true });
  });

  it("keeps the first expiry when a re-assembly still has segments missing", async () => {
    const { storage, completion, writeMeta, writeSegment, writeFailed, writeAudio } = setup(3);
    writeMeta();
    writeAudio();
    writeSegment(0);
    writeFailed(1);
    writeFailed(2);
    await completion.check(job);
    const later = new JobCompletion({
      storage,
      logger,
      publish: async () => {},
      audio: audioCleanup(storage),
      failedAudioRetentionMs: RETENTION_MS,
      maxSegmentBytes: 1e6,
      jobCacheSize: 2,
      clock: () => 5_000,
    });
    writeSegment(1);
    storage.objects.delete(failedKey(job, 1));
    expect(await later.check(job)).toMatchObject({ status: "completed", audio: { kept: 1, expiresAt: 42 + RETENTION_MS } });
    expect(audioLeft(storage)).toEqual([audioKey(2)]);
    expect(marker(storage)).toMatchObject({ audioExpiresAt: 42 + RETENTION_MS });
  });

  it("finishes a deletion left undone (marker without audioDeleted) when a re-delivery finds the transcript unchanged", async () => {
    const { storage, published, completion, writeMeta, writeSegment, writeAudio } = setup();
    writeMeta();
    for (const i of [0, 1, 2]) writeSegment(i);
    await completion.check(job);
    // As if the process died between the marker and the deletes.
    writeAudio();
    storage.objects.set(completedKey(job), Buffer.from(toJson({ ...marker(storage), audioDeleted: false })));

    expect(await completion.check(job)).toMatchObject({ status: "unchanged", audio: { segmentObjects: 3, mediaObjects: 1 } });
    expect(audioLeft(storage)).toEqual([]);
    expect(marker(storage)).toMatchObject({ audioDeleted: true });
    expect(published).toHaveLength(1);
    // Done is done: the next re-delivery lists no audio at all.
    const calls = storage.calls.length;
    expect(await completion.check(job)).toEqual({ status: "unchanged" });
    expect(storage.calls.slice(calls).some((c) => c.startsWith("list segments/"))).toBe(false);
  });

  it("leaves the marker saying the deletion is owed when a delete fails, and the next check finishes it", async () => {
    const { storage, published, completion, writeMeta, writeSegment, writeAudio } = setup();
    writeMeta();
    writeAudio();
    for (const i of [0, 1, 2]) writeSegment(i);
    storage.failOpOnce.add("deleteMany");
    await expect(completion.check(job)).rejects.toThrow(/refused deleteMany/);
    expect(marker(storage)).toMatchObject({ audioDeleted: false });
    expect(audioLeft(storage)).toHaveLength(3);

    expect(await completion.check(job)).toMatchObject({ status: "unchanged", audio: { segmentObjects: 3 } });
    expect(audioLeft(storage)).toEqual([]);
    expect(published).toHaveLength(1);
  });

  it("deletes a large job's audio in DeleteObjects batches of at most 1000, paging past the kept audio", async () => {
    const { storage, completion, writeMeta, writeSegment, writeFailed, writeAudio } = setup(2101);
    writeMeta();
    writeAudio(2101);
    for (let i = 0; i < 2101; i++) {
      if (i === 0 || i === 1500) writeFailed(i);
      else writeSegment(i);
    }
    expect(await completion.check(job)).toMatchObject({ audio: { segmentObjects: 2099, kept: 2 } });
    expect(storage.deleteBatches).toEqual([999, 999, 101]);
    expect(audioLeft(storage)).toEqual([audioKey(0), audioKey(1500)]);
  });

  it("never deletes media that `transcribe` did not upload for this job into the sink's bucket", async () => {
    for (const source of [`s3://their-bucket/${MEDIA}`, `s3://${BUCKET}/media/acme/job-2/talk.mp4`, `s3://${BUCKET}/in/talk.mp4`, "/data/talk.mp4"]) {
      const { storage, completion, writeMeta, writeSegment, writeAudio } = setup(1);
      writeMeta();
      writeAudio();
      storage.objects.set(requestedKey(job), Buffer.from(toJson({ ...job, source })));
      writeSegment(0);
      expect(await completion.check(job)).toMatchObject({ audio: { segmentObjects: 1, mediaObjects: 0 } });
      expect(storage.objects.has(MEDIA)).toBe(true);
    }
  });
});

describe("JobLedger", () => {
  it("writes job.json with the source name from JobRequested and completes a job whose results came first", async () => {
    const { storage, published, completion, writeSegment } = setup(1);
    const ledger = new JobLedger(storage, completion);
    writeSegment(0);
    const stamp = { producerId: "seg-1", eventTime: 1 };
    await ledger.onJobEvent({ type: "JobRequested", event: { ...job, ...stamp, source: "s3://in/talk.mp4", sourceName: "talk.mp4", language: "en", engine: "e" } });
    const outcome = await ledger.onJobEvent({ type: "JobSegmented", event: { ...job, ...stamp, segmentCount: 1, durationSeconds: 10 } });
    expect(storage.json(jobMetaKey(job))).toMatchObject({ segmentCount: 1, sourceName: "talk.mp4", source: "s3://in/talk.mp4" });
    expect(outcome).toMatchObject({ recorded: "segmented", completion: { status: "completed" } });
    expect(published).toHaveLength(1);
  });

  it("records a dead letter, but not over an existing result, and ignores its own JobCompleted", async () => {
    const { storage, completion, writeSegment } = setup(2);
    const ledger = new JobLedger(storage, completion);
    const letter = (index: number) =>
      ({ attributed: true, job, segmentId: `s${index}`, index, errorClass: "engine", message: "boom", retryable: true, attempt: 1, lastFailureTime: 5 }) as const;
    expect(await ledger.onDeadLetter(letter(0))).toMatchObject({ recorded: "failed" });
    expect(storage.json(failedKey(job, 0))).toMatchObject({ index: 0, errorClass: "engine", attempt: 1 });
    writeSegment(1);
    expect(await ledger.onDeadLetter(letter(1))).toEqual({ recorded: "superseded", job });
    expect(storage.objects.has(failedKey(job, 1))).toBe(false);
    expect(await ledger.onDeadLetter({ attributed: false, reason: "no job or segment" })).toMatchObject({ recorded: "ignored" });
    const keys = { json: "t.json", srt: "t.srt", vtt: "t.vtt" };
    const completed = { ...job, segmentCount: 2, transcribedCount: 1, failedCount: 1, transcriptKeys: keys, producerId: "sink", eventTime: 2 };
    expect(await ledger.onJobEvent({ type: "JobCompleted", event: completed })).toMatchObject({ recorded: "ignored" });
  });
});
