import avro from "avsc";
import { describe, expect, it } from "vitest";
import { parseSchema } from "./topic-schemas.ts";

const word = { type: "record", name: "W", fields: [{ name: "t", type: "string" }] };
const schema = { type: "record", name: "T", fields: [{ name: "words", type: { type: "array", items: word } }] };
const long = avro.Type.forSchema("long");
const bytes = (...parts: (number[] | Buffer)[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

describe("bounded collection reads", () => {
  it("rejects an array block claiming more entries than bytes left, without reading them", () => {
    const hostile = bytes(long.toBuffer(2 ** 30), [2, 0x41]);
    const started = performance.now();
    expect(() => parseSchema(schema).fromBuffer(hostile)).toThrow(/claims 1073741824 entries but only 2 bytes are left/);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it("still reads arrays written in several blocks, sized blocks included", () => {
    const type = parseSchema(schema);
    const a = Buffer.from([2, 0x61]); // string "a"
    // block of 1 item, then a sized block (count -1, byte size 2), then the end.
    const encoded = bytes(long.toBuffer(1), a, long.toBuffer(-1), long.toBuffer(2), a, [0]);
    expect(type.fromBuffer(encoded)).toEqual({ words: [{ t: "a" }, { t: "a" }] });
    const value = { words: [{ t: "x" }, { t: "y" }] };
    expect(type.fromBuffer(type.toBuffer(value))).toEqual(value);
  });

  it("guards reads through a resolver (newer writer schema)", () => {
    const reader = parseSchema(schema);
    const writer = parseSchema({ ...schema, fields: [...schema.fields, { name: "extra", type: "int", default: 0 }] });
    const resolver = reader.createResolver(writer);
    expect(reader.fromBuffer(writer.toBuffer({ words: [{ t: "ok" }], extra: 1 }), resolver)).toEqual({ words: [{ t: "ok" }] });
    expect(() => reader.fromBuffer(bytes(long.toBuffer(2 ** 30), [0]), resolver)).toThrow(/claims/);
  });

  it("guards arrays the reader skips (writer-only fields)", () => {
    const reader = parseSchema({ type: "record", name: "T", fields: [] });
    const writer = parseSchema(schema);
    expect(() => reader.fromBuffer(bytes(long.toBuffer(2 ** 30), [2, 0x41]), reader.createResolver(writer))).toThrow(/claims/);
  });

  it("guards maps the same way", () => {
    const type = parseSchema({ type: "record", name: "M", fields: [{ name: "m", type: { type: "map", values: "int" } }] });
    expect(type.fromBuffer(type.toBuffer({ m: { a: 1, b: 2 } }))).toEqual({ m: { a: 1, b: 2 } });
    expect(() => type.fromBuffer(bytes(long.toBuffer(2 ** 30), [0]))).toThrow(/claims/);
  });

  it("leaves arrays of zero-byte items unbounded, since their count may exceed the bytes", () => {
    const type = parseSchema({ type: "record", name: "N", fields: [{ name: "n", type: { type: "array", items: "null" } }] });
    expect(type.fromBuffer(bytes(long.toBuffer(5), [0])).n).toHaveLength(5);
  });
});
