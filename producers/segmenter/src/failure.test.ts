import { PipelineError } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { describeSegmenterFailure } from "./failure.ts";
import { SegmenterError } from "./segmenter-error.ts";

describe("describeSegmenterFailure", () => {
  it("keeps a SegmenterError's code as the JobFailed reason, and its retriable", () => {
    expect(describeSegmenterFailure(new SegmenterError("decode-failed", "ffmpeg failed", { input: "https://m.example/a.mp3" }))).toEqual({ code: "decode-failed", message: "ffmpeg failed", retriable: true });
    expect(describeSegmenterFailure(new SegmenterError("io", "/m/a.mp3 does not exist", { input: "/m/a.mp3" }))).toEqual({ code: "io", message: "/m/a.mp3 does not exist", retriable: false });
  });

  it("passes any other PipelineError through: an unreachable store is waited for", () => {
    expect(describeSegmenterFailure(new PipelineError("storage-unavailable", "cannot reach S3", { retriable: true }))).toEqual({ code: "storage-unavailable", message: "cannot reach S3", retriable: true });
    expect(describeSegmenterFailure(new PipelineError("invalid-id", "bad tenant"))).toEqual({ code: "invalid-id", message: "bad tenant", retriable: false });
  });

  it("reads anything else as unknown and final", () => {
    expect(describeSegmenterFailure(new TypeError("boom"))).toEqual({ code: "unknown", message: "boom", retriable: false });
    expect(describeSegmenterFailure("a string")).toEqual({ code: "unknown", message: "a string", retriable: false });
  });
});
