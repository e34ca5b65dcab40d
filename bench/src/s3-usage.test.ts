import { describe, expect, it } from "vitest";
import { runPrefixes, summarizeListing } from "./s3-usage.ts";

describe("runPrefixes", () => {
  it("puts four prefixes under the tenant and the archive under the results topic", () => {
    expect(runPrefixes("bench-backlog-1h-abc", "bench-backlog-1h-abc.asr.results")).toEqual({
      segments: "segments/bench-backlog-1h-abc/",
      transcripts: "transcripts/bench-backlog-1h-abc/",
      archive: "archive/bench-backlog-1h-abc.asr.results/",
      jobs: "jobs/bench-backlog-1h-abc/",
      media: "media/bench-backlog-1h-abc/",
    });
  });
});

describe("summarizeListing", () => {
  it("sums objects and bytes, and bytes per job under the prefix", () => {
    const usage = summarizeListing("segments/t/", [
      { key: "segments/t/job-a/000000.wav", size: 100 },
      { key: "segments/t/job-a/000001.wav", size: 50 },
      { key: "segments/t/job-b/000000.wav", size: 7 },
      { key: "segments/other/job-c/000000.wav", size: 1000 },
    ]);
    expect(usage).toEqual({ objects: 3, bytes: 157, byChild: { "job-a": 150, "job-b": 7 } });
  });
});
