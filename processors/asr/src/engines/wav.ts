// Minimal RIFF/WAVE for 16-bit PCM: HTTP engines upload WAV, and test fixtures
// read what flite writes. Anything fancier goes through ffmpeg upstream.

import { EngineError } from "./errors.ts";

const HEADER_BYTES = 44;

export function encodeWav(pcm: Buffer, sampleRate: number, channels = 1): Buffer {
  const bitsPerSample = 16;
  const blockAlign = channels * (bitsPerSample / 8);
  const header = Buffer.alloc(HEADER_BYTES);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bitsPerSample, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

export interface DecodedWav {
  pcm: Buffer;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
}

const FORMAT_PCM = 1;
const FORMAT_EXTENSIBLE = 0xfffe;

export function decodeWav(wav: Buffer): DecodedWav {
  if (wav.length < 12 || wav.toString("ascii", 0, 4) !== "RIFF" || wav.toString("ascii", 8, 12) !== "WAVE") {
    throw new EngineError("decode", "not a RIFF/WAVE file");
  }
  let fmt: Omit<DecodedWav, "pcm"> | undefined;
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const id = wav.toString("ascii", offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > wav.length) throw new EngineError("decode", "truncated WAV fmt chunk");
      const format = wav.readUInt16LE(body);
      // Extensible headers carry the real format in the sub-format GUID's first two bytes.
      const effective = format === FORMAT_EXTENSIBLE && size >= 26 ? wav.readUInt16LE(body + 24) : format;
      if (effective !== FORMAT_PCM) throw new EngineError("decode", `unsupported WAV format tag ${format}`);
      fmt = {
        channels: wav.readUInt16LE(body + 2),
        sampleRate: wav.readUInt32LE(body + 4),
        bitsPerSample: wav.readUInt16LE(body + 14),
      };
    } else if (id === "data") {
      if (!fmt) throw new EngineError("decode", "WAV data chunk before fmt chunk");
      // Streaming writers leave the size as 0 or 0xFFFFFFFF; take what is there.
      const end = size === 0 || body + size > wav.length ? wav.length : body + size;
      return { ...fmt, pcm: wav.subarray(body, end) };
    }
    // Chunks are padded to even sizes.
    offset = body + size + (size % 2);
  }
  throw new EngineError("decode", "WAV has no data chunk");
}
