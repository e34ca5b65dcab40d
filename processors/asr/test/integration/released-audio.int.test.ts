// A segment met again after its job completed (a rerun reads offsets the
// stopped run had not committed) finds its audio released by the sink. If its
// result is in the store it is done, not dead-lettered; if not, the missing
// audio is the segment's fault as before.

import { setTimeout as sleep } from "node:timers/promises";
import { segmentResultKey } from "@lingostream/runtime";
import type { SegmentFailed, SegmentTranscribed } from "@lingostream/schemas";
import { createStackContext, type StackContext, waitFor } from "@lingostream/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAsrProcessor } from "../../src/service.ts";
import { asrTestConfig, collectTopic, publishSegment } from "./segment-events.ts";

describe("asr processor and released audio", () => {
  let stack: StackContext;
  beforeAll(async () => {
    stack = await createStackContext("released-audio", { partitions: 1 });
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("settles a segment whose result is stored and whose audio is gone without a dead letter; dead-letters one without a result", async () => {
    const { ctx } = stack;
    const results = await collectTopic<SegmentTranscribed>(ctx, ctx.topics.results);
    const failures = await collectTopic<SegmentFailed>(ctx, ctx.topics.segmentsFailed);
    const jobId = `released-${Date.now().toString(36)}`;
    const pcm = Buffer.alloc(16000 * 2 * 2);
    // Segment 0: transcribed before (its result stored), its audio released since.
    const done = await publishSegment(ctx, jobId, 0, pcm);
    await ctx.store.put(segmentResultKey(done.tenant, jobId, 0), "{}", "application/json");
    await ctx.store.delete(done.claimCheck.key);
    // Segment 1: audio gone and no result: a real loss, dead-lettered as before.
    const lost = await publishSegment(ctx, jobId, 1, pcm);
    await ctx.store.delete(lost.claimCheck.key);
    // Segment 2: an ordinary one, proving the processor ran past both.
    await publishSegment(ctx, jobId, 2, pcm);
    const processor = await startAsrProcessor(ctx, { config: asrTestConfig(stack.env, { LINGOSTREAM_ASR_ENGINE: "deterministic" }) });
    try {
      await waitFor(() => results.values.some((r) => r.index === 2) && failures.values.length > 0, "the ordinary segment's result and the lost one's dead letter");
      await sleep(1000);
      expect(results.values.map((r) => r.index)).toEqual([2]);
      expect(failures.values.map((f) => [f.segmentId, f.errorClass])).toEqual([[lost.segmentId, "corrupt"]]);
      expect(processor.stats.alreadyDone).toBe(1);
    } finally {
      await processor.stop();
      await results.stop();
      await failures.stop();
      await ctx.store.delete(segmentResultKey(done.tenant, jobId, 0));
    }
  }, 120_000);
});
