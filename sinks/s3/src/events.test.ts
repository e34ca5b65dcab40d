import { describe, expect, it } from "vitest";
import { sampleResult } from "../test/sample-results.ts";
import { keySafeJob, readDeadLetter, readJobSegmented, readSegmentResult } from "./events.ts";

describe("event readers", () => {
  it("checks JobSegmented's ids and count, which become keys and bound the job's slots", () => {
    const segmented = { tenant: "acme", jobId: "j1", segmentCount: 4, durationSeconds: 40.5, producerId: "p", eventTime: 1 };
    expect(readJobSegmented(segmented)).toEqual({ job: { tenant: "acme", jobId: "j1" }, segmentCount: 4, durationSeconds: 40.5 });
    expect(() => readJobSegmented({ ...segmented, segmentCount: -1 })).toThrow(expect.objectContaining({ code: "malformed" }));
    expect(() => readJobSegmented({ ...segmented, segmentCount: 1.5 })).toThrow(expect.objectContaining({ code: "malformed" }));
    expect(() => readJobSegmented({ ...segmented, durationSeconds: Number.NaN })).toThrow(expect.objectContaining({ code: "malformed" }));
    expect(() => readJobSegmented({ ...segmented, tenant: "a/../b" })).toThrow(expect.objectContaining({ code: "invalid-id" }));
    expect(() => keySafeJob({ tenant: "acme", jobId: "../../etc" })).toThrow(expect.objectContaining({ code: "invalid-id" }));
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
