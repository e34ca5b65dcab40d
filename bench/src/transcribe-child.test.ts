import { describe, expect, it } from "vitest";
import { parseSummary } from "./transcribe-child.ts";

describe("parseSummary", () => {
  it("reads a pretty-printed document that is the whole of stdout", () => {
    expect(parseSummary('{\n  "files": 2,\n  "failed": 0\n}\n')).toEqual({ files: 2, failed: 0 });
  });

  it("falls back to the last line that is JSON", () => {
    expect(parseSummary('done a.opus\n{"files":1}\n')).toEqual({ files: 1 });
  });

  it("gives nothing when no JSON was printed", () => {
    expect(parseSummary("")).toBeUndefined();
    expect(parseSummary("done a.opus\n")).toBeUndefined();
  });
});
