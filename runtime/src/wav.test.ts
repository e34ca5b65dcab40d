import { PipelineError } from "@lingostream/errors";
import { describe, expect, it } from "vitest";
import { encodeWav, parseWav, WAV_HEADER_BYTES, WavFormatError, wavHeader } from "./wav.ts";

function chunk(id: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, "ascii");
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, body.length % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from("WAVE", "ascii"), ...chunks]);
  const head = Buffer.alloc(8);
  head.write("RIFF", 0, "ascii");
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

function fmt(formatTag: number, channels: number, sampleRate: number, bits: number, extra = Buffer.alloc(0)): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt16LE(formatTag, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(sampleRate, 4);
  body.writeUInt32LE((sampleRate * channels * bits) / 8, 8);
  body.writeUInt16LE((channels * bits) / 8, 12);
  body.writeUInt16LE(bits, 14);
  return chunk("fmt ", Buffer.concat([body, extra]));
}

describe("wavHeader", () => {
  it("writes the canonical 44-byte PCM header", () => {
    const header = wavHeader(32000, 16000, 1, 16);
    expect(header.length).toBe(WAV_HEADER_BYTES);
    expect(header.toString("ascii", 0, 4)).toBe("RIFF");
    expect(header.readUInt32LE(4)).toBe(36 + 32000);
    expect(header.toString("ascii", 8, 16)).toBe("WAVEfmt ");
    expect(header.readUInt32LE(16)).toBe(16);
    expect(header.readUInt16LE(20)).toBe(1);
    expect(header.readUInt16LE(22)).toBe(1);
    expect(header.readUInt32LE(24)).toBe(16000);
    expect(header.readUInt32LE(28)).toBe(32000);
    expect(header.readUInt16LE(32)).toBe(2);
    expect(header.readUInt16LE(34)).toBe(16);
    expect(header.toString("ascii", 36, 40)).toBe("data");
    expect(header.readUInt32LE(40)).toBe(32000);
  });

  it("rejects sizes that are not whole frames or do not fit RIFF", () => {
    expect(() => wavHeader(3, 16000, 1)).toThrow(/not a whole number of 2-byte frames/);
    expect(() => wavHeader(2 ** 32, 16000, 1)).toThrow(/dataBytes/);
    expect(() => wavHeader(0, 0, 1)).toThrow(/sampleRate/);
    expect(() => wavHeader(0, 16000, 0)).toThrow(/channels/);
    expect(() => wavHeader(0, 16000, 1, 12)).toThrow(/bitsPerSample/);
  });
});

describe("encodeWav / parseWav", () => {
  it("round-trips PCM", () => {
    const pcm = Buffer.from(Int16Array.of(0, 1, -1, 32767, -32768, 1234).buffer);
    const wav = encodeWav(pcm, 16000, 2);
    expect(wav.length).toBe(44 + pcm.length);
    const parsed = parseWav(wav);
    expect(parsed).toMatchObject({ sampleRate: 16000, channels: 2, bitsPerSample: 16 });
    expect(parsed.pcm.equals(pcm)).toBe(true);
  });

  it("accepts an empty segment", () => {
    expect(parseWav(encodeWav(Buffer.alloc(0), 16000, 1)).pcm.length).toBe(0);
  });

  it("parses a view into a larger buffer", () => {
    const wav = encodeWav(Buffer.from([1, 2, 3, 4]), 8000, 1);
    const padded = Buffer.concat([Buffer.alloc(5), wav]);
    expect([...parseWav(padded.subarray(5)).pcm]).toEqual([1, 2, 3, 4]);
  });

  it("skips unknown chunks, including odd-sized ones with their pad byte", () => {
    const wav = riff(chunk("JUNK", Buffer.from("abc")), fmt(1, 1, 22050, 16), chunk("LIST", Buffer.alloc(10)), chunk("data", Buffer.from([9, 8])));
    expect(parseWav(wav)).toMatchObject({ sampleRate: 22050, channels: 1 });
    expect([...parseWav(wav).pcm]).toEqual([9, 8]);
  });

  it("accepts WAVE_FORMAT_EXTENSIBLE with a PCM sub-format", () => {
    const extra = Buffer.alloc(24);
    extra.writeUInt16LE(22, 0);
    extra.writeUInt16LE(1, 8);
    const wav = riff(fmt(0xfffe, 1, 16000, 16, extra), chunk("data", Buffer.alloc(4)));
    expect(parseWav(wav).channels).toBe(1);
  });

  it.each([
    ["short input", Buffer.from("RIFF"), /truncated WAV: 4 bytes/],
    ["other RIFF type", riff(fmt(1, 1, 16000, 16)).fill("AVI ", 8, 12), /RIFF type is not WAVE/],
    ["no signature", Buffer.alloc(44), /missing RIFF signature/],
    ["float samples", riff(fmt(3, 1, 16000, 32), chunk("data", Buffer.alloc(4))), /format tag 3, expected PCM/],
    ["8-bit samples", riff(fmt(1, 1, 16000, 8), chunk("data", Buffer.alloc(4))), /8 bits, expected 16/],
    ["data before fmt", riff(chunk("data", Buffer.alloc(4)), fmt(1, 1, 16000, 16)), /data chunk before fmt/],
    ["no data chunk", riff(fmt(1, 1, 16000, 16)), /no data chunk/],
    ["no fmt chunk", riff(chunk("LIST", Buffer.alloc(2))), /no fmt chunk/],
    ["odd data size", riff(fmt(1, 1, 16000, 16), chunk("data", Buffer.alloc(3))), /not a multiple of the 2-byte frame/],
  ])("rejects %s", (_name, wav, message) => {
    expect(() => parseWav(wav)).toThrow(WavFormatError);
    expect(() => parseWav(wav)).toThrow(message);
  });

  it("rejects as a PipelineError of the audio (decode), never retried", () => {
    expect(() => parseWav(Buffer.alloc(44))).toThrow(PipelineError);
    expect(() => parseWav(Buffer.alloc(44))).toThrow(expect.objectContaining({ name: "WavFormatError", code: "decode", retriable: false }));
  });

  it("reports a data chunk cut short", () => {
    const wav = encodeWav(Buffer.alloc(100), 16000, 1);
    expect(() => parseWav(wav.subarray(0, 80))).toThrow(/truncated WAV: data chunk declares 100 bytes, 36 present/);
    expect(() => parseWav(wav.subarray(0, 30))).toThrow(/truncated WAV: fmt chunk/);
  });
});
