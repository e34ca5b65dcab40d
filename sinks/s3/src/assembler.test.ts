import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../test/memory-storage.ts";
import { sampleResult } from "../test/sample-results.ts";
import { assembleTranscript, type JobMeta } from "./assembler.ts";
import { toJson } from "./format.ts";
import { segmentKey } from "./keys.ts";

const job = { tenant: "acme", jobId: "job-1" };
const meta: JobMeta = { ...job, segmentCount: 4, durationSeconds: 40, sourceName: "talk.mp4" };

interface TranscriptJson {
  jobId: string;
  tenant: string;
  language: string;
  text: string;
  transcribedCount: number;
  failedCount: number;
  words: { text: string; start: number; end: number; confidence: number }[];
  segments: { index: number; start: number; end: number; text: string }[];
  failedSegments: number[];
}

function store(storage: MemoryStorage, index: number, text?: string) {
  storage.objects.set(segmentKey(job, index), Buffer.from(toJson(sampleResult(index, { text }))));
}

describe("assembleTranscript", () => {
  it("orders segments by index whatever order they were written and listed in", async () => {
    const storage = new MemoryStorage();
    for (const i of [2, 0, 3, 1]) store(storage, i);
    const slots = [3, 1, 0, 2].map((index) => ({ index, key: segmentKey(job, index) }));
    const out = await assembleTranscript(storage, meta, slots, [], { maxSegmentBytes: 1e6 });
    const t = JSON.parse(out.json) as TranscriptJson;

    expect(t.segments.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(t.words.map((w) => w.text)).toEqual(["w0a", "w0b", "w1a", "w1b", "w2a", "w2b", "w3a", "w3b"]);
    const starts = t.words.map((w) => w.start);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(t).toMatchObject({ jobId: "job-1", tenant: "acme", language: "en", failedSegments: [] });
    expect(t.text).toBe("w0a w0b w1a w1b w2a w2b w3a w3b");
    expect(out).toMatchObject({ transcribedCount: 4, failedCount: 0, segmentCount: 4 });
    expect(out.srt.startsWith("1\n00:00:00,500 --> ")).toBe(true);
    expect(out.vtt.startsWith("WEBVTT\n\n00:00:00.500 --> ")).toBe(true);
  });

  it("lists failed segments and leaves their time ranges out", async () => {
    const storage = new MemoryStorage();
    store(storage, 0);
    store(storage, 2);
    const slots = [0, 2].map((index) => ({ index, key: segmentKey(job, index) }));
    const out = await assembleTranscript(storage, meta, slots, [3, 1], { maxSegmentBytes: 1e6 });
    const t = JSON.parse(out.json) as TranscriptJson;
    expect(t.failedSegments).toEqual([1, 3]);
    expect(out).toMatchObject({ transcribedCount: 2, failedCount: 2 });
  });

  it("counts an unreadable segment object as failed instead of failing the job", async () => {
    const storage = new MemoryStorage();
    store(storage, 0);
    storage.objects.set(segmentKey(job, 1), Buffer.from("{not json"));
    const seen: number[] = [];
    const slots = [0, 1].map((index) => ({ index, key: segmentKey(job, index) }));
    const out = await assembleTranscript(storage, { ...meta, segmentCount: 2 }, slots, [], {
      maxSegmentBytes: 1e6,
      onUnreadable: (slot) => seen.push(slot.index),
    });
    expect(seen).toEqual([1]);
    expect(out).toMatchObject({ transcribedCount: 1, failedCount: 1, unreadable: [1] });
  });

  it("fails (to be retried) when storage is down rather than marking segments failed", async () => {
    const storage = new MemoryStorage();
    store(storage, 0);
    storage.down = true;
    await expect(assembleTranscript(storage, meta, [{ index: 0, key: segmentKey(job, 0) }], [], { maxSegmentBytes: 1e6 })).rejects.toThrow(
      /refused get/,
    );
  });

  it("gives the same hash for the same inputs and a different one when a segment changes", async () => {
    const storage = new MemoryStorage();
    store(storage, 0);
    const slots = [{ index: 0, key: segmentKey(job, 0) }];
    const a = await assembleTranscript(storage, meta, slots, [], { maxSegmentBytes: 1e6 });
    const b = await assembleTranscript(storage, meta, slots, [], { maxSegmentBytes: 1e6 });
    store(storage, 0, "changed");
    const c = await assembleTranscript(storage, meta, slots, [], { maxSegmentBytes: 1e6 });
    expect(a.sha256).toBe(b.sha256);
    expect(c.sha256).not.toBe(a.sha256);
  });

  it("regression: a JobRequested consumed after the assembly does not change the hash (no re-announcement on restart)", async () => {
    const storage = new MemoryStorage();
    store(storage, 0);
    const slots = [{ index: 0, key: segmentKey(job, 0) }];
    const bare: JobMeta = { ...job, segmentCount: 1, durationSeconds: 10 };
    const a = await assembleTranscript(storage, bare, slots, [], { maxSegmentBytes: 1e6 });
    const b = await assembleTranscript(storage, { ...bare, sourceName: "talk.mp4", source: "s3://in/talk.mp4", language: "de" }, slots, [], {
      maxSegmentBytes: 1e6,
    });
    expect(b.sha256).toBe(a.sha256);
  });
});
