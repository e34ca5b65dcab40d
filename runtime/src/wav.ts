// Minimal RIFF/WAVE support for 16-bit PCM: how segments are stored as objects, and
// how they are read back and checked.

import { PipelineError } from "@lingostream/errors";

/** Bytes that are not a 16-bit PCM WAV: the same bytes fail the same way, so never retriable. */
export class WavFormatError extends PipelineError {
  constructor(message: string) {
    super("decode", message, { retriable: false });
    this.name = "WavFormatError";
  }
}

export interface WavAudio {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** The data chunk, as a view into the parsed buffer (not a copy). */
  pcm: Buffer;
}

export const WAV_HEADER_BYTES = 44;
const FORMAT_PCM = 1;
const FORMAT_EXTENSIBLE = 0xfffe;
// RIFF sizes are 32-bit and the RIFF size field counts everything after byte 8.
const MAX_DATA_BYTES = 0xffff_ffff - (WAV_HEADER_BYTES - 8);

/** The canonical 44-byte header, so a writer can stream the data after it. */
export function wavHeader(dataBytes: number, sampleRate: number, channels: number, bitsPerSample = 16): Buffer {
  checkInt("dataBytes", dataBytes, 0, MAX_DATA_BYTES);
  checkInt("sampleRate", sampleRate, 1, 0xffff_ffff);
  checkInt("channels", channels, 1, 0xffff);
  if (bitsPerSample !== 8 && bitsPerSample !== 16 && bitsPerSample !== 24 && bitsPerSample !== 32) {
    throw new RangeError(`bitsPerSample must be 8, 16, 24 or 32 (got ${bitsPerSample})`);
  }
  const blockAlign = (channels * bitsPerSample) / 8;
  if (dataBytes % blockAlign !== 0) {
    throw new RangeError(`dataBytes (${dataBytes}) is not a whole number of ${blockAlign}-byte frames`);
  }
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(WAV_HEADER_BYTES - 8 + dataBytes, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(FORMAT_PCM, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bitsPerSample, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/** A complete 16-bit PCM WAV file for `pcm` (s16le, interleaved). */
export function encodeWav(pcm: Uint8Array, sampleRate: number, channels: number): Buffer {
  return Buffer.concat([wavHeader(pcm.length, sampleRate, channels, 16), pcm]);
}

/**
 * Reads a 16-bit PCM WAV, skipping chunks it does not need (LIST, fact, ...).
 * Throws WavFormatError for anything else, including a data chunk cut short.
 */
export function parseWav(buffer: Uint8Array): WavAudio {
  const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (bytes.length < 12) throw new WavFormatError(`truncated WAV: ${bytes.length} bytes, a RIFF header needs 12`);
  if (bytes.toString("ascii", 0, 4) !== "RIFF") throw new WavFormatError("not a WAV file: missing RIFF signature");
  if (bytes.toString("ascii", 8, 12) !== "WAVE") throw new WavFormatError("not a WAV file: RIFF type is not WAVE");

  let format: Omit<WavAudio, "pcm"> | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString("ascii", offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") {
      if (size < 16 || body + size > bytes.length) throw new WavFormatError(`truncated WAV: fmt chunk of ${size} bytes`);
      format = readFormat(bytes, body, size);
    } else if (id === "data") {
      if (format === undefined) throw new WavFormatError("invalid WAV: data chunk before fmt chunk");
      if (body + size > bytes.length) {
        throw new WavFormatError(`truncated WAV: data chunk declares ${size} bytes, ${bytes.length - body} present`);
      }
      const blockAlign = (format.channels * format.bitsPerSample) / 8;
      if (size % blockAlign !== 0) {
        throw new WavFormatError(`invalid WAV: data size ${size} is not a multiple of the ${blockAlign}-byte frame`);
      }
      return { ...format, pcm: bytes.subarray(body, body + size) };
    }
    // Chunks are word-aligned: an odd size is followed by a pad byte.
    offset = body + size + (size % 2);
  }
  throw new WavFormatError(format === undefined ? "truncated WAV: no fmt chunk" : "truncated WAV: no data chunk");
}

function readFormat(bytes: Buffer, at: number, size: number): Omit<WavAudio, "pcm"> {
  let formatTag = bytes.readUInt16LE(at);
  const channels = bytes.readUInt16LE(at + 2);
  const sampleRate = bytes.readUInt32LE(at + 4);
  const bitsPerSample = bytes.readUInt16LE(at + 14);
  // WAVE_FORMAT_EXTENSIBLE keeps the real format in the first 2 bytes of the sub-format GUID.
  if (formatTag === FORMAT_EXTENSIBLE && size >= 40) formatTag = bytes.readUInt16LE(at + 24);
  if (formatTag !== FORMAT_PCM) throw new WavFormatError(`unsupported WAV encoding: format tag ${formatTag}, expected PCM (1)`);
  if (bitsPerSample !== 16) throw new WavFormatError(`unsupported WAV sample size: ${bitsPerSample} bits, expected 16`);
  if (channels < 1) throw new WavFormatError("invalid WAV: 0 channels");
  if (sampleRate < 1) throw new WavFormatError("invalid WAV: sample rate 0");
  return { sampleRate, channels, bitsPerSample };
}

function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max} (got ${value})`);
  }
}
