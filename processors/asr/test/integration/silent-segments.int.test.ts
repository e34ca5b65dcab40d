// Segments the segmenter marked silent are answered with an empty result
// without their audio fetched or the engine called; the others are
// transcribed as before.

import type { SegmentTranscribed } from "@lingostream/schemas";
import { createStackContext, type StackContext, waitFor } from "@lingostream/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeterministicEngine } from "../../src/engines/deterministic.ts";
import type { AudioInput, TranscribeOptions } from "../../src/engines/engine.ts";
import { startAsrProcessor } from "../../src/service.ts";
import { asrTestConfig, collectTopic, publishSegment } from "./segment-events.ts";

/** The deterministic engine, counting the seconds of audio it is asked to transcribe. */
class CountingEngine extends DeterministicEngine {
  readonly calls: number[] = [];
  override async transcribe(audio: AudioInput, opts: TranscribeOptions) {
    this.calls.push(audio.pcm.byteLength / 2 / audio.sampleRate);
    return super.transcribe(audio, opts);
  }
}

describe("asr processor and silent segments", () => {
  let stack: StackContext;
  beforeAll(async () => {
    stack = await createStackContext("silent-segments", { partitions: 1 });
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("gives a job's silent stretch empty results without an engine call and transcribes the rest", async () => {
    const { ctx } = stack;
    const results = await collectTopic<SegmentTranscribed>(ctx, ctx.topics.results);
    const jobId = `silent-${Date.now().toString(36)}`;
    const tone = Buffer.alloc(16000 * 2 * 3);
    for (let i = 0; i < tone.byteLength / 2; i++) tone.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16000)), i * 2);
    await publishSegment(ctx, jobId, 0, tone);
    const silent1 = await publishSegment(ctx, jobId, 1, Buffer.alloc(16000 * 2 * 3), { silent: true });
    const silent2 = await publishSegment(ctx, jobId, 2, Buffer.alloc(16000 * 2 * 3), { silent: true });
    // The marked segments' audio is gone: were it fetched, they would be dead-lettered.
    await ctx.store.delete(silent1.claimCheck.key);
    await ctx.store.delete(silent2.claimCheck.key);
    await publishSegment(ctx, jobId, 3, tone);
    const engine = new CountingEngine();
    const processor = await startAsrProcessor(ctx, {
      config: asrTestConfig(stack.env, { LINGOSTREAM_ASR_ENGINE: "deterministic" }),
      engineFactory: () => engine,
    });
    try {
      await waitFor(() => results.values.length >= 4, "four results");
      const byIndex = new Map(results.values.map((r) => [r.index, r]));
      expect(byIndex.get(1)).toMatchObject({ text: "", words: [], engine: "deterministic", startSeconds: 30 });
      expect(byIndex.get(2)).toMatchObject({ text: "", words: [] });
      expect(byIndex.get(0)?.words.length).toBe(3);
      expect(byIndex.get(3)?.words.length).toBe(3);
      expect(engine.calls).toEqual([3, 3]);
      expect(processor.stats.transcribed).toBe(4);
    } finally {
      await processor.stop();
      await results.stop();
    }
  }, 120_000);
});
