import { describe, expect, it } from "vitest";
import { s3DataDirFromCmdline, stackDir } from "./stack-processes.ts";

describe("s3DataDirFromCmdline", () => {
  it("finds the folder after the posix backend, past its flags", () => {
    const args = ["/cache/versitygw", "--port", "127.0.0.1:9000", "--quiet", "posix", "--nometa", "/repo/.local-stack/s3"];
    expect(s3DataDirFromCmdline(args)).toBe("/repo/.local-stack/s3");
  });

  it("gives nothing for a server that keeps objects in memory", () => {
    expect(s3DataDirFromCmdline(["python", "moto_server", "-H", "127.0.0.1", "-p", "9000"])).toBeUndefined();
  });
});

describe("stackDir", () => {
  it("follows LINGOSTREAM_STACK_DIR, else the repository's .local-stack", () => {
    expect(stackDir({ LINGOSTREAM_STACK_DIR: "/tmp/k2" })).toBe("/tmp/k2");
    expect(stackDir({})).toMatch(/\.local-stack$/);
  });
});
