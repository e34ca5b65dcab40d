import { describe, expect, it } from "vitest";
import { assertSourceAllowed, parseSourceKinds, sourceKind } from "./source-policy.ts";

describe("source policy", () => {
  it("tells s3, http and local sources apart", () => {
    expect(sourceKind("s3://b/k.mp4")).toBe("s3");
    expect(sourceKind("https://host/x.mp4")).toBe("http");
    expect(sourceKind("/data/x.mp4")).toBe("file");
    expect(sourceKind("file:///data/x.mp4")).toBe("file");
    expect(sourceKind("gopher://x")).toBeUndefined();
  });

  it("refuses kinds that are not allowed, naming the setting", () => {
    expect(() => assertSourceAllowed("http://169.254.169.254/latest", ["s3", "file"])).toThrow(/LINGOSTREAM_SEGMENTER_SOURCES=s3,file/);
    expect(() => assertSourceAllowed("/etc/passwd", ["s3"])).toThrow(/source kind file/);
    expect(() => assertSourceAllowed("s3://b/k", ["s3"])).not.toThrow();
  });

  it("parses the setting and rejects unknown kinds", () => {
    expect(parseSourceKinds("s3, file")).toEqual(["s3", "file"]);
    expect(() => parseSourceKinds("s3,ftp")).toThrow(/ftp/);
  });
});
