import { describe, expect, it } from "vitest";
import { EngineError } from "./errors.ts";
import { decodeWav, encodeWav } from "./wav.ts";

describe("encodeWav / decodeWav", () => {
  it("round-trips PCM and format", () => {
    const pcm = Buffer.from([1, 0, 255, 255, 0, 128, 255, 127]);
    const wav = encodeWav(pcm, 16000);
    expect(wav.length).toBe(44 + pcm.length);
    expect(wav.toString("ascii", 0, 4)).toBe("RIFF");
    expect(wav.readUInt32LE(4)).toBe(36 + pcm.length);
    expect(wav.readUInt32LE(28)).toBe(32000);
    const decoded = decodeWav(wav);
    expect(decoded).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    expect(decoded.pcm.equals(pcm)).toBe(true);
  });

  it("skips unknown chunks and honours odd-size padding", () => {
    const base = encodeWav(Buffer.from([1, 2, 3, 4]), 8000);
    const list = Buffer.alloc(8 + 3 + 1);
    list.write("LIST", 0, "ascii");
    list.writeUInt32LE(3, 4);
    const wav = Buffer.concat([base.subarray(0, 36), list, base.subarray(36)]);
    const decoded = decodeWav(wav);
    expect(decoded.sampleRate).toBe(8000);
    expect([...decoded.pcm]).toEqual([1, 2, 3, 4]);
  });

  it("accepts a streaming header whose data size is unknown", () => {
    const wav = encodeWav(Buffer.from([5, 6, 7, 8]), 16000);
    wav.writeUInt32LE(0xffffffff, 40);
    expect([...decodeWav(wav).pcm]).toEqual([5, 6, 7, 8]);
  });

  it("rejects non-WAV and non-PCM input as decode errors", () => {
    expect(() => decodeWav(Buffer.from("not a wav at all"))).toThrow(EngineError);
    const float = encodeWav(Buffer.alloc(4), 16000);
    float.writeUInt16LE(3, 20);
    try {
      decodeWav(float);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).errorClass).toBe("decode");
    }
  });
});
