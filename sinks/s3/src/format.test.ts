import { describe, expect, it } from "vitest";
import { archiveLine, encodeJsonLines, parseJsonLines, toJson } from "./format.ts";

describe("JSON Lines format", () => {
  const at = { topic: "asr.results", partition: 2, offset: "17", timestamp: "1700000000000", key: "job-1" };

  it("splices the value's JSON into one line with its Kafka coordinates", () => {
    const line = archiveLine(at, toJson({ text: "a\nb", n: 1 }));
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({ ...at, value: { text: "a\nb", n: 1 } });
  });

  it("ends every line with a newline so archives concatenate, and round-trips", () => {
    const lines = [archiveLine(at, "{}"), archiveLine({ ...at, offset: "18", key: null }, "[1]")];
    const body = encodeJsonLines(lines).toString("utf8");
    expect(body.endsWith("}\n")).toBe(true);
    expect(body.split("\n")).toHaveLength(3);
    expect(parseJsonLines(body)).toEqual([
      { ...at, value: {} },
      { ...at, offset: "18", key: null, value: [1] },
    ]);
  });

  it("encodes an empty batch as an empty object and names the bad line", () => {
    expect(encodeJsonLines([]).byteLength).toBe(0);
    expect(() => parseJsonLines('{"a":1}\n{oops\n')).toThrow(/line 2/);
  });

  it("writes 64-bit integers as strings instead of throwing", () => {
    expect(toJson({ offset: 2n ** 63n - 1n })).toBe('{"offset":"9223372036854775807"}');
  });
});
