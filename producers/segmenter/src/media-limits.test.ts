import { parseTenantTable, TenantTable } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { checkDecodedSeconds, checkProbedMedia, type MediaLimits, probedDecodedBytes, tenantMediaLimits } from "./media-limits.ts";
import type { MediaInfo } from "./probe.ts";
import { SegmenterError } from "./segmenter-error.ts";

const limits: MediaLimits = { maxMediaSeconds: 3600, maxDecodedBytes: 1024 ** 3 };

function probed(overrides: Partial<MediaInfo>): MediaInfo {
  return { durationSeconds: 60, audioDurationSeconds: 60, hasAudio: true, audioCodec: "flac", sampleRate: 16_000, channels: 1, formatName: "flac", ...overrides };
}

function refusal(run: () => void): SegmenterError {
  try {
    run();
  } catch (err) {
    if (err instanceof SegmenterError) return err;
    throw err;
  }
  throw new Error("not refused");
}

describe("job media limits", () => {
  it("passes media within both limits", () => {
    expect(() => checkProbedMedia(probed({ audioDurationSeconds: 3600, durationSeconds: 3600 }), limits, "in.flac")).not.toThrow();
  });

  it("refuses media the probe shows longer than the limit, naming length and limit", () => {
    const err = refusal(() => checkProbedMedia(probed({ audioDurationSeconds: 36_000, durationSeconds: 36_000 }), limits, "silence.flac"));
    expect(err.code).toBe("media-over-limit");
    expect(err.message).toBe("silence.flac lasts 10.00 h, over the limit of 1.00 h per job");
  });

  it("uses the audio stream's duration over a longer container's", () => {
    expect(() => checkProbedMedia(probed({ durationSeconds: 7200, audioDurationSeconds: 600 }), limits, "video.mp4")).not.toThrow();
  });

  it("refuses media whose rate and channels decode to more than the byte limit", () => {
    // 30 min of 8 channels at 96 kHz: 2.57 GiB of 16-bit PCM.
    const info = probed({ audioDurationSeconds: 1800, durationSeconds: 1800, sampleRate: 96_000, channels: 8 });
    expect(probedDecodedBytes(info)).toBe(1800 * 96_000 * 8 * 2);
    const err = refusal(() => checkProbedMedia(info, limits, "multi.wav"));
    expect(err.code).toBe("media-over-limit");
    expect(err.message).toMatch(/^multi\.wav decodes to 2\.57 GiB \(96000 Hz, 8 channels\), over the limit of 1\.00 GiB per job$/);
  });

  it("leaves media without a stated duration to the decode check, which stops it past the limit", () => {
    expect(() => checkProbedMedia(probed({ durationSeconds: null, audioDurationSeconds: null }), limits, "raw")).not.toThrow();
    expect(() => checkDecodedSeconds(3600, limits, "raw")).not.toThrow();
    expect(refusal(() => checkDecodedSeconds(3600.5, limits, "raw")).code).toBe("media-over-limit");
  });

  it("takes a tenant's own limits from the tenant table and the defaults for others", () => {
    const table = parseTenantTable("archive:maxMediaSeconds=259200;big:maxDecodedBytes=64GiB");
    expect(tenantMediaLimits(limits, table, "archive")).toEqual({ maxMediaSeconds: 259_200, maxDecodedBytes: 1024 ** 3 });
    expect(tenantMediaLimits(limits, table, "big")).toEqual({ maxMediaSeconds: 3600, maxDecodedBytes: 64 * 1024 ** 3 });
    expect(tenantMediaLimits(limits, new TenantTable(), "anyone")).toEqual(limits);
  });
});
