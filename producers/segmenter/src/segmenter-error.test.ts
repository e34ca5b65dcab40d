import { PipelineError } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { SEGMENTER_ERROR_CODES, SegmenterError } from "./segmenter-error.ts";

describe("SegmenterError", () => {
  it.each(SEGMENTER_ERROR_CODES)("%s is a PipelineError keeping its code", (code) => {
    const err = new SegmenterError(code, "x", { input: "/media/a.flac" });
    expect(err).toBeInstanceOf(PipelineError);
    expect(err).toMatchObject({ name: "SegmenterError", code, input: "/media/a.flac" });
  });

  it("retries remote media that could not be read or decoded: a network blip looks the same", () => {
    for (const input of ["https://media.example/a.mp3", "http://media.example/a.mp3"]) {
      expect(new SegmenterError("io", "x", { input }).retriable).toBe(true);
      expect(new SegmenterError("decode-failed", "x", { input }).retriable).toBe(true);
    }
  });

  it("never retries a local file, nor media that is not media, has no audio or is over its limit", () => {
    expect(new SegmenterError("io", "x", { input: "/media/a.mp3" }).retriable).toBe(false);
    expect(new SegmenterError("decode-failed", "x", { input: "/media/a.mp3" }).retriable).toBe(false);
    expect(new SegmenterError("io", "x").retriable).toBe(false);
    for (const code of ["not-media", "no-audio", "media-over-limit"] as const) {
      expect(new SegmenterError(code, "x", { input: "https://media.example/a.mp3" }).retriable).toBe(false);
    }
  });
});
