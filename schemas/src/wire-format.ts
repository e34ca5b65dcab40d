// Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary body.
// Framing is checked here, before any registry call, so garbage never costs a request.

import { SerdeError } from "./errors.ts";

export const MAGIC_BYTE = 0;
export const HEADER_LENGTH = 5;

export interface Frame {
  schemaId: number;
  /** The Avro body; a view into the input, not a copy. */
  body: Buffer;
}

export function encodeFrame(schemaId: number, body: Uint8Array): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0x7fffffff) {
    throw new RangeError(`schema id must be an int32 >= 0, got ${schemaId}`);
  }
  const out = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
  out.writeUInt8(MAGIC_BYTE, 0);
  out.writeInt32BE(schemaId, 1);
  out.set(body, HEADER_LENGTH);
  return out;
}

export function decodeFrame(bytes: Uint8Array | null | undefined): Frame {
  // Kafka hands null for tombstones (asr.memory.pressure is compacted); treat
  // them like any other non-event rather than crashing on `.length`.
  if (!(bytes instanceof Uint8Array)) {
    throw new SerdeError("malformed", `expected message bytes, got ${bytes === null ? "null" : typeof bytes}`);
  }
  if (bytes.length < HEADER_LENGTH) {
    throw new SerdeError(
      "malformed",
      `message is ${bytes.length} bytes, shorter than the ${HEADER_LENGTH}-byte wire-format header`,
    );
  }
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const magic = buf.readUInt8(0);
  if (magic !== MAGIC_BYTE) {
    throw new SerdeError("malformed", `wrong magic byte ${magic}, expected ${MAGIC_BYTE} (not Confluent wire format)`);
  }
  const schemaId = buf.readInt32BE(1);
  if (schemaId < 0) {
    throw new SerdeError("malformed", `negative schema id ${schemaId} in wire-format header`, { schemaId });
  }
  return { schemaId, body: buf.subarray(HEADER_LENGTH) };
}
