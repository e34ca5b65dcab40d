import { createLogger } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import type { JobMeta } from "./assembler.ts";
import { toJson } from "./format.ts";
import { type CompletedJob, JobCompletion } from "./job-completion.ts";
import { JobLedger } from "./job-ledger.ts";
import { completedKey, failedKey, jobMetaKey, segmentKey, transcriptKeys } from "./keys.ts";
import { MemoryStorage } from "../test/memory-storage.ts";
import { sampleResult } from "../test/sample-results.ts";

const job = { tenant: "acme", jobId: "job-1" };

function setup(segmentCount = 3) {
  const storage = new MemoryStorage();
  const published: CompletedJob[] = [];
  const completion = new JobCompletion({
    storage,
    logger: createLogger({ level: "silent" }),
    publish: async (j) => {
      published.push(j);
    },
    maxSegmentBytes: 1e6,
    jobCacheSize: 2,
    clock: () => 42,
  });
  const meta: JobMeta = { ...job, segmentCount, durationSeconds: 30 };
  const writeMeta = () => storage.objects.set(jobMetaKey(job), Buffer.from(toJson(meta)));
  const writeSegment = (i: number, text?: string) => storage.objects.set(segmentKey(job, i), Buffer.from(toJson(sampleResult(i, { text }))));
  const writeFailed = (i: number) => storage.objects.set(failedKey(job, i), Buffer.from("{}"));
  return { storage, published, completion, writeMeta, writeSegment, writeFailed };
}

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
      logger: createLogger({ level: "silent" }),
      publish: async () => {
        throw new Error("kafka down");
      },
      maxSegmentBytes: 1e6,
      jobCacheSize: 2,
    });
    await expect(failing.check(job)).rejects.toThrow("kafka down");
    expect(storage.objects.has(completedKey(job))).toBe(false);
    expect((await completion.check(job)).status).toBe("completed");
  });
});

describe("JobLedger", () => {
  it("writes job.json with the source name from JobRequested and completes a job whose results came first", async () => {
    const { storage, published, completion, writeSegment } = setup(1);
    const ledger = new JobLedger(storage, completion);
    writeSegment(0);
    await ledger.onJobEvent({ kind: "requested", job, source: "s3://in/talk.mp4", sourceName: "talk.mp4", language: "en", engine: "e" });
    const outcome = await ledger.onJobEvent({ kind: "segmented", job, segmentCount: 1, durationSeconds: 10 });
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
    expect(await ledger.onJobEvent({ kind: "completed", job })).toMatchObject({ recorded: "ignored" });
  });
});
