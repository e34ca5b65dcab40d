// segmentJob uploads a segment while the one before it is announced: a failed
// upload still ends the job with every segment before it announced and recorded,
// and none after it.

import { join } from "node:path";
import { loadConfig, type ObjectStore, PipelineError } from "@lingostream/runtime";
import { createStackContext, type StackContext } from "@lingostream/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { segmenterSpec } from "../../src/config.ts";
import { publishedBefore } from "../../src/publish-progress.ts";
import { cutOptionsOf, segmentJob } from "../../src/segment-job.ts";
import { ffmpeg, jobFor, makeTempDir, removeTempDir, toneWithGaps } from "./media-fixtures.ts";

let stack: StackContext;
let dir: string;
let media: string;

beforeAll(async () => {
  stack = await createStackContext("segment-job");
  dir = await makeTempDir();
  // 100 s with a silence near every 30 s: four segments.
  media = await ffmpeg(join(dir, "tone.wav"), "-f", "lavfi", "-i", toneWithGaps(100, [[29, 30], [59, 60], [89, 90]]));
}, 120_000);

afterAll(async () => {
  await removeTempDir(dir);
  await stack?.cleanup();
});

/** The store, except that uploading the segment at `failIndex` fails as an unavailable S3 would. */
function storeFailingAt(store: ObjectStore, failIndex: number): ObjectStore {
  const failing = `/${String(failIndex).padStart(6, "0")}.wav`;
  return new Proxy(store, {
    get(target, property) {
      if (property === "put") {
        return (key: string, body: Buffer | string, contentType?: string) =>
          key.endsWith(failing) ? Promise.reject(new PipelineError("storage-unavailable", `put ${key}: S3 is down`, { retriable: true })) : target.put(key, body, contentType);
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function eventsIn(topic: string): Promise<number> {
  const admin = stack.ctx.kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

describe("segmentJob", () => {
  it("ends at a failed upload with the segments before it announced and recorded, none after it", async () => {
    const config = loadConfig(segmenterSpec, stack.env);
    const producer = stack.ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await stack.ctx.serde.register("segments");
    const job = jobFor(media, `upload-fails-${Date.now().toString(36)}`);
    const cut = cutOptionsOf(config);
    try {
      const announced: number[] = [];
      await expect(
        segmentJob({ ...stack.ctx, store: storeFailingAt(stack.ctx.store, 2) }, job, { config, producer, input: media, onSegment: (index) => announced.push(index) }),
      ).rejects.toMatchObject({ code: "storage-unavailable" });
      // Sends are acknowledged before segmentJob settles: the topic holds exactly what was announced.
      expect(announced).toEqual([0, 1]);
      expect(await eventsIn(stack.ctx.topics.segments)).toBe(2);
      expect(await publishedBefore(stack.ctx.store, job.tenant, job.jobId, cut)).toBe(2);

      // Done again with S3 back: the rest, once.
      const again: number[] = [];
      expect((await segmentJob(stack.ctx, job, { config, producer, input: media, onSegment: (index) => again.push(index) })).segmentCount).toBe(4);
      expect(again).toEqual([2, 3]);
      expect(await eventsIn(stack.ctx.topics.segments)).toBe(4);
      expect(await publishedBefore(stack.ctx.store, job.tenant, job.jobId, cut)).toBe(4);
    } finally {
      await producer.disconnect();
    }
  }, 120_000);
});
