import { describe, expect, it } from "vitest";
import { audioLabel, deadLetteredJobs, filesFor, s3Leftover } from "./backlog-figures.ts";
import type { PrefixUsage } from "./s3-usage.ts";

const usage = (bytes: number, byChild: Record<string, number> = {}): PrefixUsage => ({ objects: bytes > 0 ? 1 : 0, bytes, byChild });

describe("audioLabel", () => {
  it("names hours, minutes and seconds", () => {
    expect(audioLabel(16 * 3600)).toBe("16 h");
    expect(audioLabel(5400)).toBe("1.5 h");
    expect(audioLabel(600)).toBe("10 min");
    expect(audioLabel(90)).toBe("1.5 min");
    expect(audioLabel(42)).toBe("42 s");
  });
});

describe("filesFor", () => {
  it("takes the file count closest to the target, at least one", () => {
    expect(filesFor(3600, 453)).toBe(8);
    expect(filesFor(57_600, 453)).toBe(127);
    expect(filesFor(60, 453)).toBe(1);
  });
});

describe("s3Leftover", () => {
  it("meets the goal when only transcripts, archive batches and job records are left", () => {
    const left = s3Leftover({ segments: usage(0), transcripts: usage(10), archive: usage(20), jobs: usage(5), media: usage(0) });
    expect(left).toMatchObject({ keptBytes: 35, totalBytes: 35, audioBytes: 0, met: true });
  });

  it("misses it when segment audio of completed jobs is left", () => {
    const left = s3Leftover({ segments: usage(960, { "job-a": 960 }), transcripts: usage(10), archive: usage(20), jobs: usage(5), media: usage(0) });
    expect(left).toMatchObject({ keptBytes: 35, totalBytes: 995, audioBytes: 960, met: false });
  });

  it("does not count the audio of jobs with dead letters, which stays for a replay", () => {
    const left = s3Leftover(
      { segments: usage(960, { "job-a": 960 }), transcripts: usage(10), archive: usage(20), jobs: usage(5), media: usage(0) },
      new Set(["job-a"]),
    );
    expect(left).toMatchObject({ audioBytes: 0, deadLetterAudioBytes: 960, met: true });
  });

  it("misses it when uploaded media is left", () => {
    expect(s3Leftover({ segments: usage(0), transcripts: usage(1), archive: usage(1), jobs: usage(1), media: usage(4) }).met).toBe(false);
  });
});

describe("deadLetteredJobs", () => {
  it("finds jobs with failed segments wherever the summary lists them", () => {
    const summary = {
      files: [
        { name: "a.opus", jobId: "a-1", failedSegments: 0 },
        { name: "b.opus", jobId: "b-2", failedSegments: 2 },
        { name: "c.opus", job: { jobId: "c-3", failed: [{ segmentId: "c-3-000001" }] } },
      ],
    };
    expect([...deadLetteredJobs(summary)].sort()).toEqual(["b-2", "c-3"]);
  });

  it("finds none in a summary it cannot read", () => {
    expect(deadLetteredJobs(undefined).size).toBe(0);
    expect(deadLetteredJobs("not json").size).toBe(0);
  });
});
