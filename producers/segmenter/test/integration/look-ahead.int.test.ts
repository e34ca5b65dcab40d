// The segmenter stays at most LINGOSTREAM_SEGMENTER_MAX_AHEAD segments ahead of
// the ASR group: with a bound of three and no ASR processor, a ten-segment job
// publishes three segments and holds; as the group commits, it goes on, never
// past the bound, and finishes.

import { join } from "node:path";
import { appendJobEvent, loadConfig } from "@lingostream/runtime";
import type { AudioSegment, JobSegmented } from "@lingostream/schemas";
import { createStackContext, type StackContext, waitFor } from "@lingostream/testkit";
import type { Admin, Consumer, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { segmenterSpec } from "../../src/config.ts";
import { startSegmenter } from "../../src/service.ts";
import { watchEvents } from "./event-watch.ts";
import { ffmpeg, jobFor, makeTempDir, removeTempDir, toneWithGaps } from "./media-fixtures.ts";

const MAX_AHEAD = 3;

let stack: StackContext;
let dir: string;
let media: string;
let admin: Admin;
let watcher: Consumer;
let producer: Producer;
/** Each segment as it arrived, with the most the test had committed for the ASR group by then. */
const arrivals: Array<{ segment: AudioSegment; committed: number }> = [];
const segmented: JobSegmented[] = [];
/** Segments committed for the ASR group; raised before each commit is sent, so the segmenter never sees more. */
let committed = 0;

beforeAll(async () => {
  stack = await createStackContext("look-ahead", { env: { LINGOSTREAM_SEGMENTER_MAX_AHEAD: String(MAX_AHEAD) } });
  dir = await makeTempDir();
  // 300 s with a silence near every 30 s: ten segments.
  const gaps: Array<[number, number]> = Array.from({ length: 9 }, (_, i) => [29 + 30 * i, 30 + 30 * i]);
  media = await ffmpeg(join(dir, "tone.wav"), "-f", "lavfi", "-i", toneWithGaps(300, gaps, 16_000));
  await stack.ctx.serde.register("jobs");
  await stack.ctx.serde.register("segments");
  admin = stack.ctx.kafka.admin();
  await admin.connect();
  producer = stack.ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  watcher = await watchEvents(stack, {
    segment: (segment) => arrivals.push({ segment, committed }),
    job: (event) => {
      if (event.type === "JobSegmented") segmented.push(event.event);
    },
  });
}, 120_000);

afterAll(async () => {
  await watcher?.disconnect();
  await producer?.disconnect();
  await admin?.disconnect();
  await removeTempDir(dir);
  await stack?.cleanup();
});

async function segmentsInTopic(): Promise<number> {
  return (await admin.fetchTopicOffsets(stack.ctx.topics.segments)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

async function gauge(name: string): Promise<number | undefined> {
  return (await stack.ctx.metrics.getSingleMetric(name)?.get())?.values[0]?.value;
}

/** Commits everything on asr.segments for the ASR group, as its processors would once done. */
async function commitAllForAsr(): Promise<void> {
  const ends = await admin.fetchTopicOffsets(stack.ctx.topics.segments);
  committed = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  await admin.setOffsets({
    groupId: loadConfig(segmenterSpec, stack.env).asrGroupId,
    topic: stack.ctx.topics.segments,
    partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
  });
}

describe("look-ahead bound", () => {
  it("publishes up to the bound while the ASR group commits nothing, holds, and finishes as the group catches up", async () => {
    const config = loadConfig(segmenterSpec, stack.env);
    expect(config.maxAhead).toBe(MAX_AHEAD);
    const job = jobFor(media, `ahead-${Date.now().toString(36)}`);
    const segmenter = await startSegmenter(stack.ctx, { config, lagCheckEveryMs: 100 });
    try {
      await appendJobEvent(stack.ctx, producer, "JobRequested", job);

      // No ASR group yet: every segment on the topic counts, and three are the bound.
      await waitFor(
        async () => (await gauge("lingostream_segmenter_holding")) === 1 && (await gauge("lingostream_segmenter_asr_lag_segments")) === MAX_AHEAD && arrivals.length === MAX_AHEAD,
        "the segmenter holding, three segments behind",
      );
      expect(await segmentsInTopic()).toBe(MAX_AHEAD);
      expect(segmented).toEqual([]);

      // The group commits what it has; each commit lets up to three more through.
      while (segmented.length === 0) {
        await commitAllForAsr();
        await waitFor(
          async () => segmented.length > 0 || ((await gauge("lingostream_segmenter_holding")) === 1 && arrivals.length === committed + MAX_AHEAD),
          "the job segmented, or the next hold at the bound",
        );
      }
    } finally {
      await segmenter.stop();
    }
    expect(segmented.map((s) => [s.jobId, s.segmentCount])).toEqual([[job.jobId, 10]]);
    await waitFor(() => arrivals.length === 10, "all ten segments");
    expect(arrivals.map((a) => a.segment.index).sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    // Never more than the bound past what the group had committed when the segment arrived
    // (arrivals interleave the partitions; their count is what matters).
    for (const [i, arrival] of arrivals.entries()) expect(i + 1, `segment ${i}`).toBeLessThanOrEqual(arrival.committed + MAX_AHEAD);
    expect(await segmentsInTopic()).toBe(10);
  }, 180_000);
});
