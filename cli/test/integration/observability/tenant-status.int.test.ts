// `lingostream status` per tenant, from the events on the real stack: jobs by
// state, segments waiting, transcribed and dead-lettered, and each tenant's
// part of the last hour's ASR time.

import { jobEventValue, type SegmentFailed, type SegmentTranscribed } from "@lingostream/schemas";
import { createStackContext, type StackContext } from "@lingostream/testkit";
import type { Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "../../../src/commands/status.ts";
import type { StatusReport } from "../../../src/status/status-model.ts";

describe("lingostream status per tenant", () => {
  let stack: StackContext;
  let producer: Producer;

  beforeAll(async () => {
    stack = await createStackContext("tenant-status", { partitions: 2 });
    const { ctx } = stack;
    producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const now = Date.now();
    const base = { language: "en", engine: "deterministic", producerId: "status-test", eventTime: now };
    const job = async (type: "JobRequested" | "JobSegmented" | "JobCompleted", tenant: string, jobId: string, segmentCount = 0) => {
      const body =
        type === "JobRequested"
          ? { ...base, tenant, jobId, source: "/x.wav", sourceName: "x.wav" }
          : type === "JobSegmented"
            ? { tenant, jobId, segmentCount, durationSeconds: segmentCount * 30, producerId: "status-test", eventTime: now }
            : { tenant, jobId, segmentCount, transcribedCount: segmentCount, failedCount: 0, transcriptKeys: { json: "j", srt: "s", vtt: "v" }, producerId: "status-test", eventTime: now };
      await producer.send({ topic: ctx.topics.jobs, acks: -1, messages: [{ key: jobId, value: await ctx.serde.encode("jobs", jobEventValue(type, body as never)) }] });
    };
    const result = async (tenant: string, jobId: string, index: number, processingMs: number) => {
      const r: SegmentTranscribed = {
        tenant,
        jobId,
        segmentId: `${jobId}-${index}`,
        index,
        startSeconds: index * 30,
        endSeconds: index * 30 + 30,
        language: "en",
        engine: "deterministic",
        text: "",
        words: [],
        droppedWords: 0,
        attempt: 1,
        processingMs,
        producerId: "status-test",
        eventTime: now,
      };
      await producer.send({ topic: ctx.topics.results, acks: -1, messages: [{ key: jobId, value: await ctx.serde.encode("results", r) }] });
    };
    // bulk: one job queued, one segmented into 10 with 6 transcribed and 1 dead-lettered.
    await job("JobRequested", "bulk", "bulk-1");
    await job("JobRequested", "bulk", "bulk-2");
    await job("JobSegmented", "bulk", "bulk-2", 10);
    for (let i = 0; i < 6; i++) await result("bulk", "bulk-2", i, 300);
    const dead: SegmentFailed = {
      tenant: "bulk",
      jobId: "bulk-2",
      segmentId: "bulk-2-9",
      segment: null,
      source: { topic: ctx.topics.segments, partition: 0, offset: "9" },
      errorClass: "timeout",
      message: "written by the status test",
      retryable: true,
      attempt: 3,
      firstFailureTime: now,
      lastFailureTime: now,
      workerId: "status-test",
      producerId: "status-test",
      eventTime: now,
    };
    await producer.send({ topic: ctx.topics.segmentsFailed, acks: -1, messages: [{ key: "dead", value: await ctx.serde.encode("segmentsFailed", dead) }] });
    // small: one job done, its 2 segments transcribed.
    await job("JobRequested", "small", "small-1");
    await job("JobSegmented", "small", "small-1", 2);
    for (let i = 0; i < 2; i++) await result("small", "small-1", i, 300);
    await job("JobCompleted", "small", "small-1", 2);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await stack?.cleanup();
  });

  it("reports jobs and segments by state and the share of ASR time per tenant", async () => {
    let out = "";
    await status({ json: true, since: "1h" }, stack.env, (text) => {
      out += text;
    });
    const report = JSON.parse(out) as StatusReport;
    expect(report.tenants).toEqual([
      { tenant: "bulk", jobs: { queued: 1, inFlight: 1, done: 0, failed: 0 }, segments: { waiting: 3, done: 6, failed: 1 }, asrShareLastHour: 0.75 },
      { tenant: "small", jobs: { queued: 0, inFlight: 0, done: 1, failed: 0 }, segments: { waiting: 0, done: 2, failed: 0 }, asrShareLastHour: 0.25 },
    ]);
  });
});
