import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertValidId, type ObjectStore } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { contentDigest, jobIdFor } from "./job-identity.ts";

const request = { tenant: "acme", engine: "pocketsphinx", language: "en" };
const noStore = {} as ObjectStore;

describe("job identity", () => {
  it("is the same for the same content under another name, and a valid id", async () => {
    const dir = await mkdtemp(join(tmpdir(), "job-identity-"));
    try {
      await writeFile(join(dir, "a.wav"), "same bytes");
      await writeFile(join(dir, "b.mp3"), "same bytes");
      await writeFile(join(dir, "c.wav"), "other bytes");
      const a = await contentDigest({ source: join(dir, "a.wav"), name: "a.wav" }, noStore);
      const b = await contentDigest({ source: join(dir, "b.mp3"), name: "b.mp3" }, noStore);
      const c = await contentDigest({ source: join(dir, "c.wav"), name: "c.wav" }, noStore);
      expect(a).toBe(b);
      expect(a).not.toBe(c);
      expect(jobIdFor(a, request)).toBe(jobIdFor(b, request));
      expect(jobIdFor(a, request)).not.toBe(jobIdFor(c, request));
      expect(assertValidId("job id", jobIdFor(a, request))).toMatch(/^j[0-9a-f]{32}$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("differs by tenant, engine and language", () => {
    const digest = "sha256:00";
    const base = jobIdFor(digest, request);
    expect(jobIdFor(digest, { ...request, tenant: "other" })).not.toBe(base);
    expect(jobIdFor(digest, { ...request, engine: "whisper" })).not.toBe(base);
    expect(jobIdFor(digest, { ...request, language: "de" })).not.toBe(base);
  });
});
