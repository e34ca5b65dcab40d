import { describe, expect, it } from "vitest";
import type { MediaInfo } from "./probe.ts";
import { assertDecodedWhole } from "./segment-media.ts";
import { SegmenterError } from "./segmenter-error.ts";

describe("assertDecodedWhole", () => {
  const info = (audioDurationSeconds: number | null, formatName: string, durationSeconds = audioDurationSeconds): MediaInfo => ({
    durationSeconds,
    audioDurationSeconds,
    formatName,
    hasAudio: true,
    audioCodec: "pcm_s16le",
    sampleRate: 16000,
    channels: 1,
  });

  it("accepts a decode that covers the probed duration", () => {
    expect(() => assertDecodedWhole("/m/a.wav", info(150, "wav"), 149.9)).not.toThrow();
    expect(() => assertDecodedWhole("/m/a.mp3", info(150, "mp3"), 146)).not.toThrow();
    expect(() => assertDecodedWhole("/m/a.wav", info(null, "wav"), 1)).not.toThrow();
    // Regression: a video track longer than the audio made the container's duration the yardstick.
    expect(() => assertDecodedWhole("/m/v.mp4", info(18.5, "mov,mp4,m4a,3gp,3g2,mj2", 22.4), 18.5)).not.toThrow();
  });

  it("rejects a decode that ended early, naming the input and both durations", () => {
    expect(() => assertDecodedWhole("/m/a.wav", info(150, "wav"), 147.904)).toThrow(/a\.wav: decoded 147\.90 s of 150\.00 s; the input ended early/);
    expect(() => assertDecodedWhole("/m/a.mp3", info(150, "mp3"), 140)).toThrow(SegmenterError);
  });
});
