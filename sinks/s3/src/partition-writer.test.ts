import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../test/memory-storage.ts";
import { sampleRecord } from "../test/sample-results.ts";
import { parseJsonLines } from "./format.ts";
import { archiveKey, failedKey, segmentKey } from "./keys.ts";
import { type FlushLimits, PartitionWriter } from "./partition-writer.ts";

const TOPIC = "asr.results";
const job = { tenant: "acme", jobId: "job-1" };

function setup(limits: Partial<FlushLimits> = {}) {
  const storage = new MemoryStorage();
  const commits: string[] = [];
  const completed: string[][] = [];
  let now = 1_000;
  const writer = new PartitionWriter({
    topic: TOPIC,
    partition: 3,
    storage,
    limits: { maxRecords: 3, maxBytes: 1_000_000, maxAgeMs: 5_000, ...limits },
    clock: () => now,
    commit: async (offset) => {
      storage.calls.push(`commit ${offset}`);
      commits.push(offset);
    },
    afterWrite: async (jobs) => {
      storage.calls.push("afterWrite");
      completed.push(jobs.map((j) => j.jobId));
    },
  });
  return { storage, commits, completed, writer, advance: (ms: number) => (now += ms) };
}

describe("PartitionWriter", () => {
  it("starts committed, buffers on append, and is due by record count", () => {
    const { writer } = setup();
    expect(writer.state).toBe("committed");
    writer.append(sampleRecord(10, 0));
    writer.append(sampleRecord(11, 1));
    expect(writer.state).toBe("buffering");
    expect(writer.isFull()).toBe(false);
    expect(writer.dueReason()).toBeUndefined();
    writer.append(sampleRecord(12, 2));
    expect(writer.isFull()).toBe(true);
    expect(writer.dueReason()).toBe("records");
  });

  it("is due by bytes once the buffered JSON reaches the byte limit", () => {
    const record = sampleRecord(0, 0);
    const { writer } = setup({ maxRecords: 100, maxBytes: PartitionWriter.recordBytes(record) * 2 });
    writer.append(record);
    expect(writer.dueReason()).toBeUndefined();
    writer.append(sampleRecord(1, 1));
    expect(writer.dueReason()).toBe("bytes");
    expect(writer.bufferedBytes).toBeGreaterThanOrEqual(PartitionWriter.recordBytes(record) * 2);
  });

  it("is due by age of the oldest record, measured on the injected clock", () => {
    const { writer, advance } = setup();
    writer.append(sampleRecord(0, 0));
    advance(4_999);
    writer.append(sampleRecord(1, 1));
    expect(writer.dueReason()).toBeUndefined();
    advance(1);
    expect(writer.dueReason()).toBe("age");
  });

  it("writes the archive and segment objects, runs completion, and only then commits endOffset+1", async () => {
    const { writer, storage, commits, completed } = setup();
    writer.append(sampleRecord(7, 1));
    writer.append(sampleRecord(8, 0));
    const outcome = await writer.rotate("age");

    const archive = archiveKey(TOPIC, 3, "7", "8");
    expect(archive).toBe("archive/asr.results/partition=3/00000000000000000007-00000000000000000008.jsonl");
    expect(outcome).toMatchObject({ committedOffset: "9", records: 2, segmentObjects: 2, archiveKey: archive });
    expect(commits).toEqual(["9"]);
    expect(completed).toEqual([["job-1"]]);
    expect(writer.state).toBe("committed");
    expect(writer.bufferedRecords).toBe(0);

    const puts = storage.calls.filter((c) => c.startsWith("put ") || c === "afterWrite" || c.startsWith("commit"));
    expect(puts[0]).toBe(`put ${archive}`);
    expect(puts.slice(-2)).toEqual(["afterWrite", "commit 9"]);

    const lines = parseJsonLines(storage.text(archive) ?? "") as { offset: string; partition: number; value: { index: number } }[];
    expect(lines.map((l) => [l.offset, l.partition, l.value.index])).toEqual([
      ["7", 3, 1],
      ["8", 3, 0],
    ]);
    expect(storage.json(segmentKey(job, 0))).toMatchObject({ index: 0, jobId: "job-1", words: [{ text: "w0a" }, { text: "w0b" }] });
  });

  it("keeps the buffer and commits nothing when an upload fails, then succeeds on retry", async () => {
    const { writer, storage, commits } = setup();
    writer.append(sampleRecord(0, 0));
    writer.append(sampleRecord(1, 1));
    storage.failPutOnce.add(segmentKey(job, 1));

    await expect(writer.rotate("records")).rejects.toThrow(/refused put/);
    expect(commits).toEqual([]);
    expect(writer.state).toBe("buffering");
    expect(writer.bufferedRecords).toBe(2);

    const outcome = await writer.rotate("retry");
    expect(outcome?.committedOffset).toBe("2");
    expect(commits).toEqual(["2"]);
    expect(storage.objects.has(segmentKey(job, 1))).toBe(true);
  });

  it("does not commit when completion fails after the uploads", async () => {
    const storage = new MemoryStorage();
    const commits: string[] = [];
    const writer = new PartitionWriter({
      topic: TOPIC,
      partition: 0,
      storage,
      limits: { maxRecords: 10, maxBytes: 1e9, maxAgeMs: 1 },
      commit: async (o) => {
        commits.push(o);
      },
      afterWrite: async () => {
        throw new Error("producer down");
      },
    });
    writer.append(sampleRecord(0, 0));
    await expect(writer.rotate("age")).rejects.toThrow("producer down");
    expect(commits).toEqual([]);
    expect(writer.bufferedRecords).toBe(1);
  });

  it("does not commit while S3 is down, whatever the trigger", async () => {
    const { writer, storage, commits } = setup();
    writer.append(sampleRecord(0, 0));
    storage.down = true;
    await expect(writer.rotate("age")).rejects.toThrow();
    await expect(writer.rotate("retry")).rejects.toThrow();
    expect(commits).toEqual([]);
    expect(writer.bufferedRecords).toBe(1);
  });

  it("drops re-delivered offsets so an archive never holds a record twice", () => {
    const { writer } = setup({ maxRecords: 10 });
    expect(writer.append(sampleRecord(5, 0))).toBe(true);
    expect(writer.append(sampleRecord(5, 0))).toBe(false);
    expect(writer.append(sampleRecord(4, 1))).toBe(false);
    expect(writer.bufferedRecords).toBe(1);
  });

  it("writes one object per segment slot, the last record winning", async () => {
    const { writer, storage } = setup({ maxRecords: 10 });
    writer.append(sampleRecord(0, 2, { text: "first" }));
    writer.append(sampleRecord(1, 2, { text: "second" }));
    const outcome = await writer.rotate("records");
    expect(outcome?.segmentObjects).toBe(1);
    expect(storage.json(segmentKey(job, 2))).toMatchObject({ text: "second" });
  });

  it("deletes a dead letter its result supersedes, and leaves the others", async () => {
    const { writer, storage } = setup();
    storage.objects.set(failedKey(job, 1), Buffer.from("{}"));
    storage.objects.set(failedKey(job, 2), Buffer.from("{}"));
    writer.append(sampleRecord(0, 1));
    await writer.rotate("age");
    expect(storage.objects.has(failedKey(job, 1))).toBe(false);
    expect(storage.objects.has(failedKey(job, 2))).toBe(true);
  });

  it("replaces an archive cut differently from the same start offset (replay after a crash)", async () => {
    const { writer, storage } = setup({ maxRecords: 10 });
    const stale = archiveKey(TOPIC, 3, "0", "4");
    storage.objects.set(stale, Buffer.from("old\n"));
    writer.append(sampleRecord(0, 0));
    writer.append(sampleRecord(1, 1));
    await writer.rotate("age");
    expect(storage.objects.has(stale)).toBe(false);
    expect(storage.objects.has(archiveKey(TOPIC, 3, "0", "1"))).toBe(true);
  });

  it("commits past skipped (bad) records without writing anything", async () => {
    const { writer, storage, commits, advance } = setup();
    writer.skip("41");
    expect(writer.state).toBe("buffering");
    advance(5_000);
    expect(writer.dueReason()).toBe("age");
    const outcome = await writer.rotate("age");
    expect(outcome).toMatchObject({ committedOffset: "42", records: 0, archiveKey: undefined });
    expect(commits).toEqual(["42"]);
    expect(storage.calls.filter((c) => c.startsWith("put"))).toEqual([]);
  });

  it("covers a skipped record at the end of a batch in the commit", async () => {
    const { writer, commits } = setup();
    writer.append(sampleRecord(0, 0));
    writer.skip("1");
    await writer.rotate("age");
    expect(commits).toEqual(["2"]);
  });

  it("has nothing to rotate when committed", async () => {
    const { writer, commits } = setup();
    expect(await writer.rotate("age")).toBeUndefined();
    expect(commits).toEqual([]);
  });

  it("refuses appends during a rotation", async () => {
    const storage = new MemoryStorage();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const writer = new PartitionWriter({
      topic: TOPIC,
      partition: 0,
      storage,
      limits: { maxRecords: 10, maxBytes: 1e9, maxAgeMs: 1 },
      commit: () => gate,
    });
    writer.append(sampleRecord(0, 0));
    const rotating = writer.rotate("age");
    await Promise.resolve();
    expect(writer.state).toBe("rotating");
    expect(() => writer.append(sampleRecord(1, 1))).toThrow(/while rotating/);
    release();
    await rotating;
    expect(writer.state).toBe("committed");
  });

  it("discard forgets the buffer and the consumed position (after a rebalance)", () => {
    const { writer } = setup();
    writer.append(sampleRecord(3, 0));
    writer.discard();
    expect(writer.state).toBe("committed");
    expect(writer.append(sampleRecord(3, 0))).toBe(true);
  });

  it("discard also lifts the partition's pause, so the next owner starts unpaused with a fresh backoff", () => {
    const { writer } = setup();
    writer.backoff.fail();
    writer.backoff.fail();
    expect(writer.backoff.paused).toBe(true);
    writer.discard();
    expect(writer.backoff.paused).toBe(false);
    expect(writer.backoff.failures).toBe(0);
  });

  it("stops fetching its partition when paused and fetches again on resume or when a rebalance discards it", () => {
    const fetches: string[] = [];
    const writer = new PartitionWriter({
      topic: TOPIC,
      partition: 5,
      storage: new MemoryStorage(),
      limits: { maxRecords: 3, maxBytes: 1_000_000, maxAgeMs: 5_000 },
      commit: async () => {},
      fetch: { pause: () => void fetches.push("pause"), resume: () => void fetches.push("resume") },
    });
    expect(writer.pause()).toBeGreaterThan(0);
    expect(writer.paused).toBe(true);
    writer.resume();
    expect(writer.paused).toBe(false);
    writer.pause();
    writer.discard();
    writer.discard();
    expect(fetches).toEqual(["pause", "resume", "pause", "resume"]);
  });

  it("counts buffered bytes by tenant and forgets them once written", async () => {
    const { writer } = setup();
    const a = sampleRecord(0, 0);
    const b = { ...sampleRecord(1, 1), job: { tenant: "other", jobId: "job-9" } };
    writer.append(a);
    writer.append(b);
    expect(writer.bufferedByTenant).toEqual(
      new Map([
        [a.job.tenant, PartitionWriter.recordBytes(a)],
        ["other", PartitionWriter.recordBytes(b)],
      ]),
    );
    await writer.rotate("quota");
    expect(writer.bufferedByTenant.size).toBe(0);
  });
});

