import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { type ObjectStore, PipelineError } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { writeOutputs } from "./transcript-outputs.ts";

const keys = { json: "t.json", srt: "t.srt", vtt: "t.vtt" };

/** A store that fails the first `failures` reads with `error`, then serves each key's name as its body. */
function flakyStore(failures: number, error: Error): { store: ObjectStore; reads: () => number } {
  let reads = 0;
  const store = {
    async getStream(key: string) {
      reads++;
      if (reads <= failures) throw error;
      return Readable.from([Buffer.from(`body of ${key}`)]);
    },
  } as unknown as ObjectStore;
  return { store, reads: () => reads };
}

describe("transcript outputs", () => {
  it("rides out a passing store outage and writes whole files only", async () => {
    const dir = await mkdtemp(join(tmpdir(), "outputs-"));
    try {
      const { store, reads } = flakyStore(1, new PipelineError("storage-unavailable", "S3 down", { retriable: true }));
      const written = await writeOutputs(store, keys, dir, "talk");
      expect(written.map((p) => p.slice(dir.length + 1))).toEqual(["talk.json", "talk.srt", "talk.vtt"]);
      expect(await readFile(join(dir, "talk.vtt"), "utf8")).toBe("body of t.vtt");
      expect(reads()).toBe(4);
      expect((await readdir(dir)).filter((f) => f.includes(".partial"))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("gives up at once on an error no retry can help", async () => {
    const dir = await mkdtemp(join(tmpdir(), "outputs-"));
    try {
      const { store, reads } = flakyStore(1, new PipelineError("storage-not-found", "no such key"));
      await expect(writeOutputs(store, keys, dir, "talk")).rejects.toMatchObject({ code: "storage-not-found" });
      expect(reads()).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
