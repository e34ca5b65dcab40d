// Audio memory is released on every path through the processor: a failure
// injected at each step of a segment (download, checksum, WAV parse, engine,
// produce) leaves no live audio handle and no buffer in use, and each segment
// still ends as a result or a dead letter.

import { HandleRegistry, type ServiceContext } from "@lingostream/runtime";
import type { AudioSegment, EventSerde, SegmentFailed, SegmentTranscribed } from "@lingostream/schemas";
import { createStackContext, type StackContext, waitFor } from "@lingostream/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeterministicEngine } from "../../src/engines/deterministic.ts";
import type { AsrEngine } from "../../src/engines/engine.ts";
import { EngineError } from "../../src/engines/errors.ts";
import { startAsrProcessor } from "../../src/service.ts";
import { asrTestConfig, collectTopic, publishSegment } from "./segment-events.ts";

/** Fails engine calls on audio of exactly this many samples, so one chosen segment hits it. */
const ENGINE_FAILS_ON_SAMPLES = 16000 * 3;

function engineFailingOn(samples: number): AsrEngine {
  const inner = new DeterministicEngine();
  return {
    name: "deterministic",
    async transcribe(audio, opts) {
      if (audio.pcm.byteLength / 2 === samples) throw new EngineError("engine", "injected engine failure", { retriable: false });
      return inner.transcribe(audio, opts);
    },
    close: () => inner.close(),
  };
}

/** The real serde, except that encoding the result of one segment fails once: a failure at the produce step. */
function serdeFailingResultOnce(serde: EventSerde, segmentId: string): EventSerde {
  let failed = false;
  return new Proxy(serde, {
    get(target, prop) {
      if (prop === "encode") {
        return async (key: string, value: { segmentId?: string }) => {
          if (key === "results" && value.segmentId === segmentId && !failed) {
            failed = true;
            throw new Error("injected produce failure");
          }
          return (target.encode as (k: string, v: unknown) => Promise<Buffer>)(key, value);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

describe("asr processor audio handles under injected failures", () => {
  let stack: StackContext;
  beforeAll(async () => {
    stack = await createStackContext("audio-handles", { partitions: 1 });
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("leaves zero live handles after a failure at each step of a segment", async () => {
    const { ctx } = stack;
    const job = "handles";
    const two = Buffer.alloc(16000 * 2 * 2, 3);
    const good = await publishSegment(ctx, job, 0, two);
    const variant = (index: number, claimCheck: Partial<AudioSegment["claimCheck"]>): AudioSegment => ({
      ...good,
      segmentId: `${job}-${String(index).padStart(6, "0")}`,
      index,
      claimCheck: { ...good.claimCheck, ...claimCheck },
    });
    // download: the claim check names an object that is not there.
    await produceSegment(ctx, variant(1, { key: `segments/test/${job}/nowhere.wav` }));
    // checksum: the object is there but is not what the claim check says.
    await produceSegment(ctx, variant(2, { sha256: "0".repeat(64) }));
    // WAV parse: bytes that match their claim check but are not a WAV.
    const stored = await ctx.store.put(`segments/test/${job}/garbage.wav`, Buffer.from("RIFF....WAVE but nothing that parses as one"));
    await produceSegment(ctx, variant(3, { key: stored.key, byteSize: stored.byteSize, sha256: stored.sha256 }));
    // engine: the one three-second segment.
    await publishSegment(ctx, job, 4, Buffer.alloc(ENGINE_FAILS_ON_SAMPLES * 2, 5));
    // produce: encoding this one's result fails once.
    await publishSegment(ctx, job, 5, two);
    const ids = [0, 1, 2, 3, 4, 5].map((i) => `${job}-${String(i).padStart(6, "0")}`);

    const results = await collectTopic<SegmentTranscribed>(ctx, ctx.topics.results);
    const deadLetters = await collectTopic<SegmentFailed>(ctx, ctx.topics.segmentsFailed);
    const handles = new HandleRegistry();
    const settled: string[] = [];
    const processor = await startAsrProcessor(
      { ...ctx, serde: serdeFailingResultOnce(ctx.serde, ids[5]!) },
      {
        config: asrTestConfig(stack.env, { LINGOSTREAM_ASR_MAX_IN_FLIGHT: "2", LINGOSTREAM_ASR_MAX_ATTEMPTS: "2" }),
        engineFactory: () => engineFailingOn(ENGINE_FAILS_ON_SAMPLES),
        handles,
        onSettled: ({ segmentId }) => settled.push(segmentId),
      },
    );
    try {
      const ended = () => {
        const done = new Set([...results.values.map((r) => r.segmentId), ...deadLetters.values.map((d) => d.segmentId ?? "")]);
        return ids.every((id) => done.has(id));
      };
      await waitFor(ended, "every segment transcribed or dead-lettered", 90_000);
      const classOf = (id: string) => deadLetters.values.find((d) => d.segmentId === id)?.errorClass;
      expect(results.values.map((r) => r.segmentId)).toContain(ids[0]);
      expect(classOf(ids[1]!)).toBe("corrupt");
      expect(classOf(ids[2]!)).toBe("corrupt");
      expect(classOf(ids[3]!)).toBe("decode");
      expect(classOf(ids[4]!)).toBe("engine");
      // The produce failure settled that segment somehow; the audio it used is gone either way.
      expect(settled).toContain(ids[5]);
      expect(handles.live).toBe(0);
      expect(handles.liveBytes).toBe(0);
      expect(handles.leaked).toBe(0);
      const metrics = await ctx.metrics.getSingleMetricAsString("lingostream_asr_buffer_pool_bytes");
      expect(metrics).toMatch(/state="in_use"} 0/);
    } finally {
      await processor.stop();
      await results.stop();
      await deadLetters.stop();
    }
  });
});

async function produceSegment(ctx: ServiceContext, segment: AudioSegment): Promise<void> {
  const producer = ctx.kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: ctx.topics.segments, messages: [{ key: segment.segmentId, value: await ctx.serde.encode("segments", segment) }] });
  } finally {
    await producer.disconnect();
  }
}
