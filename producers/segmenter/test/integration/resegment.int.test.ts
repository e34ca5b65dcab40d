// A job segmented again (the segmenter restarted mid-job, or the same job was
// requested twice) announces only the segments the first pass had not.

import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadConfig } from "@lingostream/runtime";
import type { AudioSegment } from "@lingostream/schemas";
import { createStackContext, type StackContext, waitFor } from "@lingostream/testkit";
import type { Consumer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { segmenterSpec } from "../../src/config.ts";
import { progressKey } from "../../src/publish-progress.ts";
import { segmentJob } from "../../src/segment-job.ts";
import { ffmpeg, jobFor, makeTempDir, removeTempDir, toneWithGaps } from "./media-fixtures.ts";

let stack: StackContext;
let dir: string;
let media: string;
let consumer: Consumer;
const announced: AudioSegment[] = [];

beforeAll(async () => {
  stack = await createStackContext("resegment");
  dir = await makeTempDir();
  // 100 s with a silence near every 30 s: four segments.
  media = await ffmpeg(join(dir, "tone.wav"), "-f", "lavfi", "-i", toneWithGaps(100, [[29, 30], [59, 60], [89, 90]]));
  consumer = stack.ctx.kafka.consumer({ groupId: `${stack.prefix}watch` });
  await consumer.connect();
  await consumer.subscribe({ topic: stack.ctx.topics.segments, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value) announced.push((await stack.ctx.serde.decode(message.value)).value as AudioSegment);
    },
  });
}, 120_000);

afterAll(async () => {
  await consumer?.disconnect();
  await removeTempDir(dir);
  await stack?.cleanup();
});

describe("segmenting a job again", () => {
  it("publishes each segment once across an interrupted pass and a full one, and again with other cut settings", async () => {
    const config = loadConfig(segmenterSpec, stack.env);
    const producer = stack.ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await stack.ctx.serde.register("jobs");
    await stack.ctx.serde.register("segments");
    const job = jobFor(media, `reseg-${Date.now().toString(36)}`);
    try {
      // First pass stops after two segments, as a killed segmenter would.
      const stop = new AbortController();
      await expect(
        segmentJob(stack.ctx, job, { config, producer, input: media, signal: stop.signal, onSegment: (index) => index === 1 && stop.abort() }),
      ).rejects.toThrow();
      await waitFor(() => announced.length >= 2, "the first pass's segments");
      const second = await segmentJob(stack.ctx, job, { config, producer, input: media });
      expect(second.segmentCount).toBe(4);
      await waitFor(() => announced.length >= 4, "the rest of the segments");
      const third = await segmentJob(stack.ctx, job, { config, producer, input: media });
      expect(third.segmentCount).toBe(4);
      await sleep(1500);
      expect(announced.map((s) => s.index).sort()).toEqual([0, 1, 2, 3]);
      expect(await stack.ctx.store.exists(progressKey(job.tenant, job.jobId))).toBe(true);

      // Other cut settings cut elsewhere: nothing of the old pass can be trusted, all is published again.
      await segmentJob(stack.ctx, job, { config: { ...config, targetSeconds: 20, searchWindowSeconds: 5, maxSeconds: 30 }, producer, input: media });
      await waitFor(() => announced.length > 4, "a re-cut job's segments");
    } finally {
      await producer.disconnect();
    }
  }, 120_000);
});
