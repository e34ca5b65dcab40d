import { describe, expect, it } from "vitest";
import {
  checkDecoderAudio,
  encodeDecoderHeader,
  MAX_DECODER_REQUEST_BYTES,
  parseDecoderLine,
  resolveDecoderLanguage,
} from "./decoder-protocol.ts";
import { EngineError } from "./errors.ts";

function classOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof EngineError ? err.errorClass : "other";
  }
  return undefined;
}

describe("encodeDecoderHeader", () => {
  it("writes the byte length little-endian", () => {
    expect([...encodeDecoderHeader(0x01020304)]).toEqual([4, 3, 2, 1]);
  });
});

describe("checkDecoderAudio", () => {
  it("accepts 16 kHz s16le", () => {
    expect(() => checkDecoderAudio({ pcm: Buffer.alloc(320), sampleRate: 16000 })).not.toThrow();
  });

  it("rejects other sample rates, odd lengths and oversize segments as decode errors", () => {
    expect(classOf(() => checkDecoderAudio({ pcm: Buffer.alloc(320), sampleRate: 8000 }))).toBe("decode");
    expect(() => checkDecoderAudio({ pcm: Buffer.alloc(320), sampleRate: 8000 }, "Whisper")).toThrow(/^Whisper needs 16000 Hz/);
    expect(classOf(() => checkDecoderAudio({ pcm: Buffer.alloc(3), sampleRate: 16000 }))).toBe("decode");
    const huge = { length: MAX_DECODER_REQUEST_BYTES + 2 } as Buffer;
    expect(classOf(() => checkDecoderAudio({ pcm: huge, sampleRate: 16000 }))).toBe("decode");
  });
});

describe("resolveDecoderLanguage", () => {
  it("maps English tags to en", () => {
    for (const tag of ["en", "EN", "en-US", "en_GB", "eng", "auto", ""]) expect(resolveDecoderLanguage(tag)).toBe("en");
  });

  it("refuses other languages without retry", () => {
    try {
      resolveDecoderLanguage("fr");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).retriable).toBe(false);
    }
  });
});

describe("parseDecoderLine", () => {
  it("parses the ready line", () => {
    expect(parseDecoderLine('{"ready":true,"load_ms":312}')).toEqual({ kind: "ready", loadMs: 312 });
  });

  it("parses words, dropping non-numeric fields", () => {
    const line =
      '{"words":[{"text":"hello","start":0.15,"end":0.55,"confidence":0.99},{"text":"world","start":"x"}],"text":"hello world","duration":1}';
    expect(parseDecoderLine(line)).toEqual({
      kind: "result",
      text: "hello world",
      words: [{ text: "hello", start: 0.15, end: 0.55, confidence: 0.99 }, { text: "world" }],
    });
  });

  it("rebuilds text when absent and accepts empty results", () => {
    expect(parseDecoderLine('{"words":[{"text":"a"},{"text":"b"}]}')).toMatchObject({ text: "a b" });
    expect(parseDecoderLine('{"words":[],"text":""}')).toEqual({ kind: "result", words: [], text: "" });
  });

  it("surfaces decoder errors", () => {
    expect(parseDecoderLine('{"error":"ps_process_raw failed"}')).toEqual({
      kind: "error",
      message: "ps_process_raw failed",
    });
  });

  it("keeps the error class a decoder gives and ignores unknown ones", () => {
    expect(parseDecoderLine('{"error":"out of memory","class":"engine"}')).toEqual({
      kind: "error",
      message: "out of memory",
      errorClass: "engine",
    });
    expect(parseDecoderLine('{"error":"x","class":"panic"}')).toEqual({ kind: "error", message: "x" });
  });

  it("keeps the language a decoder reports", () => {
    expect(parseDecoderLine('{"words":[],"text":"","language":"de"}')).toEqual({ kind: "result", words: [], text: "", language: "de" });
    expect(parseDecoderLine('{"words":[],"text":"","language":""}')).toEqual({ kind: "result", words: [], text: "" });
  });

  it("classifies garbage as a non-retriable engine error", () => {
    for (const line of ["not json", "[]", '{"words":"x"}', '{"words":[{"start":1}]}']) {
      try {
        parseDecoderLine(line);
        expect.unreachable(line);
      } catch (err) {
        expect(err).toBeInstanceOf(EngineError);
        expect((err as EngineError).errorClass).toBe("engine");
        expect((err as EngineError).retriable).toBe(false);
      }
    }
  });
});
