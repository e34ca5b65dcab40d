// A small file that decodes to hours is refused from its probe: the job fails
// with media-over-limit and not one segment is written or announced. Silence
// within a job is cut as usual and announced marked silent.

import { stat } from "node:fs/promises";
import { join } from "node:path";
import { appendJobEvent, loadConfig } from "@lingostream/runtime";
import type { AudioSegment, JobFailed } from "@lingostream/schemas";
import { createStackContext, type StackContext, waitFor } from "@lingostream/testkit";
import type { Consumer, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { segmenterSpec } from "../../src/config.ts";
import { segmentJob } from "../../src/segment-job.ts";
import { startSegmenter } from "../../src/service.ts";
import { watchEvents } from "./event-watch.ts";
import { ffmpeg, makeTempDir, removeTempDir, toneWithGaps } from "./media-fixtures.ts";

let stack: StackContext;
let dir: string;
let watcher: Consumer;
let producer: Producer;
const failed: JobFailed[] = [];
const announced: AudioSegment[] = [];

beforeAll(async () => {
  stack = await createStackContext("media-limits", { env: { LINGOSTREAM_SEGMENTER_MAX_MEDIA_SECONDS: "7200" } });
  dir = await makeTempDir();
  await stack.ctx.serde.register("jobs");
  await stack.ctx.serde.register("segments");
  producer = stack.ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  watcher = await watchEvents(stack, {
    segment: (segment) => announced.push(segment),
    job: (event) => {
      if (event.type === "JobFailed") failed.push(event.event);
    },
  });
}, 120_000);

afterAll(async () => {
  await watcher?.disconnect();
  await producer?.disconnect();
  await removeTempDir(dir);
  await stack?.cleanup();
});

describe("decompression amplification", () => {
  it("fails a job whose small FLAC of digital silence decodes to hours before any segment is written", async () => {
    // Three hours of 8 kHz digital silence: a few hundred KiB of FLAC.
    const flac = await ffmpeg(join(dir, "silence.flac"), "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "10800", "-c:a", "flac");
    expect((await stat(flac)).size).toBeLessThan(4 * 1024 * 1024);
    const tenant = "amplify";
    const jobId = `silence-${Date.now().toString(36)}`;
    const segmenter = await startSegmenter(stack.ctx, { config: loadConfig(segmenterSpec, stack.env) });
    try {
      await appendJobEvent(stack.ctx, producer, "JobRequested", {
        tenant,
        jobId,
        source: flac,
        sourceName: "silence.flac",
        language: "en",
        engine: "deterministic",
        producerId: "test",
        eventTime: Date.now(),
      });
      await waitFor(() => failed.some((f) => f.jobId === jobId), "the job's JobFailed");
    } finally {
      await segmenter.stop();
    }
    const failure = failed.find((f) => f.jobId === jobId);
    expect(failure).toMatchObject({ tenant, stage: "segmenter", reason: "media-over-limit" });
    expect(failure?.message).toMatch(/lasts 3\.00 h, over the limit of 2\.00 h per job$/);
    const written: string[] = [];
    for await (const object of stack.ctx.store.list(`segments/${tenant}/${jobId}/`)) written.push(object.key);
    expect(written).toEqual([]);
    expect(announced.filter((s) => s.jobId === jobId)).toEqual([]);
  }, 120_000);

  it("announces the segments of a silent stretch marked silent and the others not", async () => {
    // Tone, 67 s of digital silence from 28 s, tone again: the cuts in between fall in the silence.
    const media = await ffmpeg(join(dir, "gap.wav"), "-f", "lavfi", "-i", toneWithGaps(125, [[28, 95]]));
    const config = loadConfig(segmenterSpec, stack.env);
    const jobId = `gap-${Date.now().toString(36)}`;
    const job = { tenant: "quiet", jobId, source: media, sourceName: "gap.wav", language: "en", engine: "deterministic", producerId: "test", eventTime: Date.now() };
    const result = await segmentJob(stack.ctx, job, { config, producer, input: media });
    await waitFor(() => announced.filter((s) => s.jobId === jobId).length === result.segmentCount, "the job's segments");
    const segments = announced.filter((s) => s.jobId === jobId).sort((a, b) => a.index - b.index);
    // Silent exactly when the segment lies within the silence.
    expect(segments.map((s) => s.silent)).toEqual(segments.map((s) => s.startSeconds >= 28 && s.endSeconds <= 95));
    expect(segments.filter((s) => s.silent).length).toBeGreaterThanOrEqual(2);
    expect(segments.at(0)?.silent).toBe(false);
    expect(segments.at(-1)?.silent).toBe(false);
  }, 120_000);
});
