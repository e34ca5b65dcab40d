import { describe, expect, it } from "vitest";
import { sampleResult } from "../test/sample-results.ts";
import { readDeadLetter, readJobEvent, readSegmentResult } from "./events.ts";

const NS = "io.lingostream.events.";

describe("event readers", () => {
  it("reads the wrapped asr.jobs union by branch name", () => {
    const segmented = { tenant: "acme", jobId: "j1", segmentCount: 4, durationSeconds: 40.5, producerId: "p", eventTime: 1 };
    expect(readJobEvent({ event: { [`${NS}JobSegmented`]: segmented } })).toEqual({
      kind: "segmented",
      job: { tenant: "acme", jobId: "j1" },
      segmentCount: 4,
      durationSeconds: 40.5,
    });
    expect(readJobEvent({ event: { [`${NS}JobFailed`]: {} } })).toEqual({ kind: "other", name: `${NS}JobFailed` });
    // Written by `lingostream replay`; the sink learns of replays from the results themselves.
    const replayed = { tenant: "acme", jobId: "j1", replayId: "r1", segmentIds: ["j1-000002"], count: 1, producerId: "cli", eventTime: 2 };
    expect(readJobEvent({ event: { [`${NS}SegmentsReplayed`]: replayed } })).toEqual({ kind: "other", name: `${NS}SegmentsReplayed` });
    expect(() => readJobEvent({ event: {} })).toThrow(/branches/);
  });

  it("rejects ids that are not key-safe with the invalid-id code", () => {
    const bad = { ...sampleResult(0), jobId: "../../etc" };
    expect(() => readSegmentResult(bad)).toThrow(expect.objectContaining({ code: "invalid-id" }));
    expect(() => readSegmentResult({ ...sampleResult(0), index: -1 })).toThrow(expect.objectContaining({ code: "malformed" }));
    expect(() => readSegmentResult({ ...sampleResult(0), words: [{ text: "x" }] })).toThrow(expect.objectContaining({ code: "malformed" }));
  });

  it("attributes a dead letter to a job slot only when it carries the segment", () => {
    expect(readDeadLetter({ tenant: "", jobId: null, segmentId: null, segment: null })).toEqual({ attributed: false, reason: "no job or segment" });
    const segment = { tenant: "acme", jobId: "j1", segmentId: "s3", index: 3 };
    expect(
      readDeadLetter({ tenant: "acme", jobId: "j1", segmentId: "s3", segment, errorClass: "timeout", message: "slow", retryable: true, attempt: 2, lastFailureTime: 9 }),
    ).toEqual({
      attributed: true,
      job: { tenant: "acme", jobId: "j1" },
      segmentId: "s3",
      index: 3,
      errorClass: "timeout",
      message: "slow",
      retryable: true,
      attempt: 2,
      lastFailureTime: 9,
    });
  });
});
