import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { redactInput, resolveInput } from "./media-input.ts";

describe("resolveInput", () => {
  it("prefixes local paths with file: so a leading '-' or a ':' cannot be misread", () => {
    expect(resolveInput("-rf.wav")).toMatchObject({ arg: `file:${resolve("-rf.wav")}`, localPath: resolve("-rf.wav"), protocols: "file" });
    expect(resolveInput("a:b.wav").arg).toBe(`file:${resolve("a:b.wav")}`);
    expect(resolveInput("/tmp/x y.mp3").arg).toBe("file:/tmp/x y.mp3");
  });

  it("turns file URLs into paths", () => {
    const url = pathToFileURL("/tmp/some file.wav");
    expect(resolveInput(url).localPath).toBe("/tmp/some file.wav");
    expect(resolveInput(url.href).localPath).toBe("/tmp/some file.wav");
  });

  it("keeps http(s) URLs but labels them without credentials or query", () => {
    const input = resolveInput("https://user:pw@bucket.s3.example.com/a/b.mp4?X-Amz-Signature=secret#t=1");
    expect(input.arg).toBe("https://user:pw@bucket.s3.example.com/a/b.mp4?X-Amz-Signature=secret#t=1");
    expect(input.label).toBe("https://bucket.s3.example.com/a/b.mp4");
    expect(input.localPath).toBeUndefined();
    expect(input.protocols).toContain("https");
  });

  it("rejects other schemes and empty input", () => {
    expect(() => resolveInput("ftp://host/x.mp3")).toThrow(/unsupported media URL scheme ftp:/);
    expect(() => resolveInput(new URL("data:audio/wav;base64,AAAA"))).toThrow(TypeError);
    expect(() => resolveInput("")).toThrow(/non-empty/);
  });
});

describe("redactInput", () => {
  it("replaces the raw URL in tool output with the label", () => {
    const input = resolveInput("https://h/x.mp3?sig=secret");
    expect(redactInput("https://h/x.mp3?sig=secret: Server returned 403 Forbidden", input)).toBe("https://h/x.mp3: Server returned 403 Forbidden");
  });
});
