import { describe, expect, it } from "vitest";
import { isSerdeError } from "./errors.ts";
import { decodeFrame, encodeFrame, HEADER_LENGTH } from "./wire-format.ts";

function malformedMessage(bytes: unknown): string {
  try {
    decodeFrame(bytes as Uint8Array);
  } catch (error) {
    expect(isSerdeError(error, "malformed")).toBe(true);
    expect((error as { retriable: boolean }).retriable).toBe(false);
    return (error as Error).message;
  }
  throw new Error("decodeFrame accepted malformed bytes");
}

describe("wire format", () => {
  it("frames as magic byte 0, big-endian int32 schema id, then the body", () => {
    const framed = encodeFrame(0x01020304, Buffer.from([0xaa, 0xbb]));
    expect([...framed]).toEqual([0, 1, 2, 3, 4, 0xaa, 0xbb]);
  });

  it("reads back the schema id and a body that is a view, not a copy", () => {
    const framed = encodeFrame(42, Buffer.from("avro"));
    const frame = decodeFrame(framed);
    expect(frame.schemaId).toBe(42);
    expect(frame.body.toString()).toBe("avro");
    expect(frame.body.buffer).toBe(framed.buffer);
  });

  it("accepts a plain Uint8Array, as some Kafka clients hand out", () => {
    const framed = new Uint8Array(encodeFrame(7, Buffer.from([1, 2, 3])));
    expect(decodeFrame(framed)).toMatchObject({ schemaId: 7 });
    expect([...decodeFrame(framed).body]).toEqual([1, 2, 3]);
  });

  it("accepts a header with an empty body (the Avro decoder judges the body)", () => {
    expect(decodeFrame(Buffer.from([0, 0, 0, 0, 9])).body.length).toBe(0);
  });

  it("rejects messages shorter than the header as malformed", () => {
    expect(malformedMessage(Buffer.alloc(0))).toMatch(/0 bytes, shorter than the 5-byte/);
    expect(malformedMessage(Buffer.from([0, 0, 0, 1]))).toMatch(/4 bytes/);
    expect(HEADER_LENGTH).toBe(5);
  });

  it("rejects a wrong magic byte as malformed (e.g. JSON or a raw Avro body)", () => {
    expect(malformedMessage(Buffer.from('{"tenant":"acme"}'))).toMatch(/wrong magic byte 123/);
    expect(malformedMessage(Buffer.from([1, 0, 0, 0, 1, 2]))).toMatch(/wrong magic byte 1/);
  });

  it("rejects a negative schema id as malformed", () => {
    expect(malformedMessage(Buffer.from([0, 0xff, 0xff, 0xff, 0xfe, 2]))).toMatch(/negative schema id -2/);
  });

  it("rejects tombstones (null values) as malformed instead of throwing a TypeError", () => {
    expect(malformedMessage(null)).toMatch(/got null/);
    expect(malformedMessage("text")).toMatch(/got string/);
  });

  it("refuses to frame a schema id that does not fit an int32", () => {
    expect(() => encodeFrame(2 ** 31, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => encodeFrame(-1, Buffer.alloc(0))).toThrow(RangeError);
  });
});
