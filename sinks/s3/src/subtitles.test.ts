import { describe, expect, it } from "vitest";
import type { Cue } from "./cues.ts";
import { formatSrtTimestamp, renderSrt, srtText } from "./srt.ts";
import { formatVttTimestamp, renderVtt, vttText } from "./vtt.ts";

const cues: Cue[] = [
  { start: 0.5, end: 2.25, lines: ["Hello there,", "general Kenobi."] },
  { start: 62.345, end: 64, lines: ["You are a bold one."] },
];

describe("subtitle timestamps", () => {
  it("formats SRT with a comma and VTT with a dot before the milliseconds", () => {
    expect(formatSrtTimestamp(62.345)).toBe("00:01:02,345");
    expect(formatVttTimestamp(62.345)).toBe("00:01:02.345");
  });

  it("rounds to the millisecond, carrying into seconds, minutes and hours", () => {
    expect(formatSrtTimestamp(59.9996)).toBe("00:01:00,000");
    expect(formatSrtTimestamp(3599.9999)).toBe("01:00:00,000");
    expect(formatVttTimestamp(0.0004)).toBe("00:00:00.000");
    expect(formatVttTimestamp(1.0005)).toBe("00:00:01.001");
  });

  it("keeps hours past 99 and clamps negative or non-finite times to zero", () => {
    expect(formatSrtTimestamp(100 * 3600 + 1.5)).toBe("100:00:01,500");
    expect(formatSrtTimestamp(-3)).toBe("00:00:00,000");
    expect(formatVttTimestamp(Number.NaN)).toBe("00:00:00.000");
  });
});

describe("SRT", () => {
  it("numbers cues from 1 in order, with a blank line after each", () => {
    expect(renderSrt(cues)).toBe(
      "1\n00:00:00,500 --> 00:00:02,250\nHello there,\ngeneral Kenobi.\n\n2\n00:01:02,345 --> 00:01:04,000\nYou are a bold one.\n\n",
    );
  });

  it("neutralizes text that would break the cue framing", () => {
    expect(srtText("a --> b")).toBe("a -> b");
    expect(srtText("line\n\nbreak")).toBe("line break");
  });
});

describe("WebVTT", () => {
  it("starts with the WEBVTT header and writes cues without numbers", () => {
    expect(renderVtt(cues)).toBe(
      "WEBVTT\n\n00:00:00.500 --> 00:00:02.250\nHello there,\ngeneral Kenobi.\n\n00:01:02.345 --> 00:01:04.000\nYou are a bold one.\n\n",
    );
  });

  it("escapes markup characters, which also rules out a bare -->", () => {
    expect(vttText("<b>Tom & Jerry</b> --> x")).toBe("&lt;b&gt;Tom &amp; Jerry&lt;/b&gt; --&gt; x");
  });

  it("renders only the header for no cues", () => {
    expect(renderVtt([])).toBe("WEBVTT\n\n");
    expect(renderSrt([])).toBe("");
  });
});
