// A segment that takes longer than the consumer session timeout must not get
// the worker thrown out of its group: the processor heartbeats while it works.

import { setTimeout as sleep } from "node:timers/promises";
import type { SegmentTranscribed } from "@lingostream/schemas";
import { createStackContext, type StackContext, waitFor } from "@lingostream/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AsrEngine } from "../../src/engines/engine.ts";
import { startAsrProcessor } from "../../src/service.ts";
import { asrTestConfig, collectTopic, publishSegment } from "./segment-events.ts";

const SESSION_TIMEOUT_MS = 6000; // the broker's minimum (group.min.session.timeout.ms)
const ENGINE_DELAY_MS = 10_000;

function slowEngine(): AsrEngine {
  return {
    name: "deterministic",
    async transcribe(audio) {
      await sleep(ENGINE_DELAY_MS);
      return { language: "en", text: "slow words", words: [{ text: "slow", start: 0, end: 0.5, confidence: 1 }, { text: "words", start: 0.5, end: audio.pcm.length / 32000, confidence: 1 }] };
    },
    async close() {},
  };
}

describe("asr processor heartbeats", () => {
  let stack: StackContext;
  beforeAll(async () => {
    stack = await createStackContext("heartbeat", { partitions: 1 });
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("keeps its group membership while an engine call outlasts the session timeout", async () => {
    const { ctx } = stack;
    const results = await collectTopic<SegmentTranscribed>(ctx, ctx.topics.results);
    const config = asrTestConfig(stack.env, {
      LINGOSTREAM_ASR_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      LINGOSTREAM_ASR_HEARTBEAT_MS: "1000",
      LINGOSTREAM_ASR_SEGMENT_TIMEOUT_MS: "60000",
    });
    const processor = await startAsrProcessor(ctx, { config, engineFactory: slowEngine });
    try {
      const pcm = Buffer.alloc(16000 * 2);
      await publishSegment(ctx, "slowjob", 0, pcm);
      await publishSegment(ctx, "slowjob", 1, pcm);
      await waitFor(() => results.values.length >= 2, "two results", 90_000);
      // Give a late rebalance the chance to show itself before judging.
      await sleep(SESSION_TIMEOUT_MS);
      expect(processor.stats.groupJoins).toBe(1);
      expect(processor.stats.transcribed).toBe(2);
      expect(results.values.map((r) => r.segmentId).sort()).toEqual(["slowjob-000000", "slowjob-000001"]);
    } finally {
      await processor.stop();
      await results.stop();
    }
  });
});
