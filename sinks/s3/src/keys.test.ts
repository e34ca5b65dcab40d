import { describe, expect, it } from "vitest";
import {
  archiveKey,
  audioIndexFromKey,
  expiryKey,
  failedKey,
  indexFromKey,
  jobMetaKey,
  padOffset,
  parseExpiryKey,
  segmentAudioPrefix,
  segmentKey,
  segmentsPrefix,
  transcriptKeys,
  uploadedMediaPrefix,
} from "./keys.ts";

const job = { tenant: "acme", jobId: "job-1" };

describe("object keys", () => {
  it("names archives by topic, partition and zero-padded offset range", () => {
    expect(archiveKey("asr.results", 0, "5", "1234")).toBe("archive/asr.results/partition=0/00000000000000000005-00000000000000001234.jsonl");
    expect(padOffset(9223372036854775807n)).toBe("09223372036854775807");
  });

  it("pads segment indices to 6 digits so listings come back in index order", () => {
    expect(segmentKey(job, 7)).toBe("jobs/acme/job-1/segments/000007.json");
    expect(failedKey(job, 12)).toBe("jobs/acme/job-1/failed/000012.json");
    expect(indexFromKey(segmentsPrefix(job), "jobs/acme/job-1/segments/000123.json")).toBe(123);
    expect(indexFromKey(segmentsPrefix(job), "jobs/acme/job-1/segments/x.json")).toBeUndefined();
  });

  it("puts transcripts under transcripts/<tenant>/<jobId>/", () => {
    expect(transcriptKeys(job)).toEqual({
      json: "transcripts/acme/job-1/transcript.json",
      srt: "transcripts/acme/job-1/transcript.srt",
      vtt: "transcripts/acme/job-1/transcript.vtt",
    });
  });

  it("refuses ids that could escape their prefix", () => {
    expect(() => jobMetaKey({ tenant: "..", jobId: "j" })).toThrow(/invalid tenant/);
    expect(() => segmentKey({ tenant: "acme", jobId: "../other" }, 0)).toThrow(/invalid job id/);
    expect(() => transcriptKeys({ tenant: "a/b", jobId: "j" })).toThrow(/invalid tenant/);
    expect(() => archiveKey("../x", 0, "1", "2")).toThrow(/cannot be part of an object key/);
  });

  it("refuses indices and offsets that would break the ordering", () => {
    expect(() => segmentKey(job, -1)).toThrow(RangeError);
    expect(() => segmentKey(job, 1_000_000)).toThrow(RangeError);
    expect(() => padOffset("-1")).toThrow(RangeError);
  });

  it("names segment audio and uploaded media as the segmenter and transcribe write them, each prefix closed by a slash", () => {
    expect(segmentAudioPrefix(job)).toBe("segments/acme/job-1/");
    expect(uploadedMediaPrefix(job)).toBe("media/acme/job-1/");
    expect(audioIndexFromKey("segments/acme/job-1/", "segments/acme/job-1/000042.wav")).toBe(42);
    expect(audioIndexFromKey("segments/acme/job-1/", "segments/acme/job-10/000042.wav")).toBeUndefined();
    expect(audioIndexFromKey("segments/acme/job-1/", "segments/acme/job-1/000042.json")).toBeUndefined();
  });

  it("files expiry entries under the UTC day they expire, which sorts in time order", () => {
    expect(expiryKey(job, Date.parse("2026-03-10T23:59:59.999Z"))).toBe("lifecycle/expire/2026-03-10/acme/job-1.json");
    expect(expiryKey(job, Date.parse("2026-03-11T00:00:00Z"))).toBe("lifecycle/expire/2026-03-11/acme/job-1.json");
    expect(expiryKey(job, 0) < expiryKey({ tenant: "a", jobId: "a" }, 86_400_000)).toBe(true);
    expect(parseExpiryKey("lifecycle/expire/2026-03-10/acme/job-1.json")).toEqual({ day: "2026-03-10", job });
  });

  it("ignores keys under the expiry root that it did not write", () => {
    for (const key of ["lifecycle/expire/2026-03-10/acme.json", "lifecycle/expire/x/acme/job-1.json", "lifecycle/expire/2026-03-10/../job-1.json", "jobs/acme/job-1/job.json"]) {
      expect(parseExpiryKey(key), key).toBeUndefined();
    }
  });
});
