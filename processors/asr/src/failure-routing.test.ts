import { createLogger, PipelineError, Registry } from "@lingostream/runtime";
import type { AudioSegment, SegmentFailed } from "@lingostream/schemas";
import type { KafkaMessage } from "kafkajs";
import { describe, expect, it } from "vitest";
import { FailureRouter } from "./failure-routing.ts";
import { createAsrMetrics } from "./metrics.ts";
import { emptyAsrStats } from "./stats.ts";

const topics = { segments: "asr.segments", segmentsFailed: "asr.segments.failed" };

function setup(maxAttempts = 3) {
  const sent: { topic: string; key: string; value: unknown }[] = [];
  const stats = emptyAsrStats();
  const router = new FailureRouter({
    // The serde is the registry's business; here an event is "encoded" as itself so the test reads what was sent.
    ctx: { serde: { encode: async (_topic: string, value: unknown) => value }, topics, instanceId: "worker-1" } as never,
    producer: {
      send: async (record) => {
        for (const m of record.messages) sent.push({ topic: record.topic, key: String(m.key), value: m.value });
        return [];
      },
    },
    maxAttempts,
    metrics: createAsrMetrics(new Registry()),
    stats,
    logger: createLogger({ level: "silent" }),
  });
  return { router, sent, stats };
}

function segment(attempt: number, firstFailureTime: number | null = null): AudioSegment {
  return { tenant: "t", jobId: "job", segmentId: "job-000001", index: 1, attempt, firstFailureTime, engine: "deterministic" } as AudioSegment;
}

const message = { offset: "42", key: Buffer.from("job-000001"), value: Buffer.from("x") } as KafkaMessage;
const passing = new PipelineError("timeout", "engine took too long", { retriable: true });

describe("FailureRouter", () => {
  it("re-publishes a retriable failure as the segment's next attempt while attempts remain, keeping when it first failed", async () => {
    const { router, sent, stats } = setup(3);
    await router.route(segment(2, 1_000), message, 4, passing, 2);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.topic).toBe(topics.segments);
    expect(sent[0]?.key).toBe("job-000001");
    expect(sent[0]?.value).toMatchObject({ segmentId: "job-000001", attempt: 3, firstFailureTime: 1_000, producerId: "worker-1" });
    expect(stats).toMatchObject({ retried: 1, failed: 0 });
  });

  it("dead-letters a retriable failure on its last attempt, with where it was read and since when it failed", async () => {
    const { router, sent, stats } = setup(3);
    await router.route(segment(3, 1_000), message, 4, passing, 3);
    expect(sent[0]?.topic).toBe(topics.segmentsFailed);
    const dead = sent[0]?.value as SegmentFailed;
    expect(dead).toMatchObject({ jobId: "job", segmentId: "job-000001", errorClass: "timeout", retryable: true, attempt: 3, firstFailureTime: 1_000 });
    expect(dead.source).toEqual({ topic: topics.segments, partition: 4, offset: "42" });
    expect(dead.segment?.firstFailureTime).toBe(1_000);
    expect(stats).toMatchObject({ retried: 0, failed: 1 });
  });

  it("dead-letters a permanent failure at once, and an undecodable event under the message's own key", async () => {
    const { router, sent } = setup(3);
    await router.route(segment(1), message, 0, new PipelineError("checksum-mismatch", "audio changed"), 1);
    expect(sent[0]).toMatchObject({ topic: topics.segmentsFailed, value: { errorClass: "corrupt", retryable: false, attempt: 1 } });
    await router.route(null, message, 0, new PipelineError("malformed", "not avro"), 1);
    expect(sent[1]).toMatchObject({ topic: topics.segmentsFailed, key: "job-000001", value: { tenant: "unknown", jobId: null, segment: null, errorClass: "malformed" } });
  });
});
