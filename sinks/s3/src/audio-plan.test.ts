import { describe, expect, it } from "vitest";
import { expiryDue, failedAudioExpiry, keepsAudio, ownedMediaPrefix } from "./audio-plan.ts";

const job = { tenant: "acme", jobId: "job-1" };
const prefix = "segments/acme/job-1/";
const DAY = 86_400_000;

describe("which audio a completed job keeps", () => {
  it("keeps only the audio of segments missing from the transcript", () => {
    const missing = new Set([1, 7]);
    expect(keepsAudio(prefix, `${prefix}000001.wav`, missing)).toBe(true);
    expect(keepsAudio(prefix, `${prefix}000007.wav`, missing)).toBe(true);
    expect(keepsAudio(prefix, `${prefix}000000.wav`, missing)).toBe(false);
    expect(keepsAudio(prefix, `${prefix}000002.wav`, new Set())).toBe(false);
  });

  it("keeps objects the segmenter would not have named while segments are missing, since they cannot be told apart", () => {
    expect(keepsAudio(prefix, `${prefix}notes.txt`, new Set([1]))).toBe(true);
    expect(keepsAudio(prefix, `${prefix}1.wav`, new Set([1]))).toBe(true);
  });
});

describe("when kept audio expires", () => {
  it("is never set while nothing is missing", () => {
    expect(failedAudioExpiry(0, undefined, 1_000, DAY)).toBeUndefined();
  });

  it("counts the retention from the job's first completion with segments missing", () => {
    expect(failedAudioExpiry(2, undefined, 1_000, DAY)).toBe(1_000 + DAY);
  });

  it("is never postponed by a re-assembly, and stays once set", () => {
    expect(failedAudioExpiry(1, 5_000, 9_000_000, DAY)).toBe(5_000);
    expect(failedAudioExpiry(0, 5_000, 9_000_000, DAY)).toBe(5_000);
  });

  it("is due on earlier days, on its own day once its instant has passed, never on later days", () => {
    const now = Date.parse("2026-03-10T12:00:00Z");
    expect(expiryDue("2026-03-09", undefined, now)).toBe(true);
    expect(expiryDue("2025-12-31", undefined, now)).toBe(true);
    expect(expiryDue("2026-03-10", Date.parse("2026-03-10T11:59:59Z"), now)).toBe(true);
    expect(expiryDue("2026-03-10", Date.parse("2026-03-10T12:00:01Z"), now)).toBe(false);
    // An entry of today that cannot be read waits for its day to pass.
    expect(expiryDue("2026-03-10", undefined, now)).toBe(false);
    expect(expiryDue("2026-03-11", 0, now)).toBe(false);
  });
});

describe("which media the sink may delete", () => {
  it("is the job's own upload prefix in the sink's bucket", () => {
    expect(ownedMediaPrefix("s3://lingostream/media/acme/job-1/talk.mp4", "lingostream", job)).toBe("media/acme/job-1/");
  });

  it("is nothing for a user's media, another job's, another bucket's, a path or a URL", () => {
    for (const source of [
      "s3://their-bucket/media/acme/job-1/talk.mp4",
      "s3://lingostream/media/acme/job-10/talk.mp4",
      "s3://lingostream/media/other/job-1/talk.mp4",
      "s3://lingostream/in/talk.mp4",
      "s3://lingostream/media/acme/job-1/../../other/x.mp4",
      "s3://lingostream/",
      "/data/media/acme/job-1/talk.mp4",
      "https://example.com/media/acme/job-1/talk.mp4",
      undefined,
    ]) {
      expect(ownedMediaPrefix(source, "lingostream", job), String(source)).toBeUndefined();
    }
  });
});
