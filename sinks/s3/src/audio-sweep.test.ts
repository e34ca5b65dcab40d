import { setTimeout as sleep } from "node:timers/promises";
import { createLogger, Registry } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../test/memory-storage.ts";
import { AudioCleanup } from "./audio-cleanup.ts";
import { AudioSweeper } from "./audio-sweep.ts";
import { toJson } from "./format.ts";
import { expiryKey, type JobRef, requestedKey } from "./keys.ts";
import { createSinkMetrics } from "./metrics.ts";

const NOW = Date.parse("2026-03-10T12:00:00Z");
const HOUR = 3_600_000;
const logger = createLogger({ level: "silent" });

function setup(options: { maxEntriesPerPass?: number } = {}) {
  const storage = new MemoryStorage();
  const metrics = createSinkMetrics(new Registry());
  const cleanup = new AudioCleanup({ storage, logger, metrics, bucket: "lingostream" });
  const expired: string[] = [];
  const sweeper = new AudioSweeper({
    storage,
    logger,
    metrics,
    expire: (job, key) => {
      expired.push(job.jobId);
      return cleanup.expire(job, key);
    },
    intervalMs: HOUR,
    clock: () => NOW,
    ...options,
  });
  /** A job that completed with segment 1 dead-lettered: its audio and media kept, an expiry entry written. */
  const keptJob = (jobId: string, expiresAt: number) => {
    const job: JobRef = { tenant: "acme", jobId };
    storage.objects.set(`segments/acme/${jobId}/000001.wav`, Buffer.alloc(100));
    storage.objects.set(`media/acme/${jobId}/talk.mp4`, Buffer.alloc(1000));
    storage.objects.set(requestedKey(job), Buffer.from(toJson({ ...job, source: `s3://lingostream/media/acme/${jobId}/talk.mp4` })));
    const key = expiryKey(job, expiresAt);
    storage.objects.set(key, Buffer.from(toJson({ ...job, expiresAt, keptSegments: 1 })));
    return key;
  };
  const audioOf = (jobId: string) => [...storage.objects.keys()].filter((k) => k.startsWith(`segments/acme/${jobId}/`) || k.startsWith(`media/acme/${jobId}/`));
  return { storage, metrics, sweeper, expired, keptJob, audioOf };
}

describe("AudioSweeper", () => {
  it("deletes the kept audio and media of due entries, then the entries, and leaves the rest", async () => {
    const { storage, sweeper, expired, keptJob, audioOf } = setup();
    const lastWeek = keptJob("old", NOW - 7 * 24 * HOUR);
    const earlierToday = keptJob("due", NOW - HOUR);
    const laterToday = keptJob("not-yet", NOW + HOUR);
    const tomorrow = keptJob("tomorrow", NOW + 24 * HOUR);

    expect(await sweeper.sweep()).toEqual({ examined: 3, expired: 2, failed: 0, full: false });
    expect(expired.sort()).toEqual(["due", "old"]);
    for (const jobId of ["old", "due"]) expect(audioOf(jobId)).toEqual([]);
    expect(storage.objects.has(lastWeek)).toBe(false);
    expect(storage.objects.has(earlierToday)).toBe(false);
    for (const jobId of ["not-yet", "tomorrow"]) expect(audioOf(jobId)).toHaveLength(2);
    expect(storage.objects.has(laterToday)).toBe(true);
    expect(storage.objects.has(tomorrow)).toBe(true);
  });

  it("reads only the expiry root up to the first later day, and no entry body of an earlier day", async () => {
    const { storage, sweeper, keptJob } = setup();
    keptJob("old", NOW - 2 * 24 * HOUR);
    keptJob("future", NOW + 3 * 24 * HOUR);
    await sweeper.sweep();
    const reads = storage.calls.filter((c) => c.includes("lifecycle/") && !c.startsWith("delete "));
    expect(reads).toEqual(["list lifecycle/expire/"]);
  });

  it("expires at most maxEntriesPerPass jobs a pass and says when it stopped at the bound", async () => {
    const { sweeper, keptJob } = setup({ maxEntriesPerPass: 2 });
    for (const jobId of ["a", "b", "c", "d", "e"]) keptJob(jobId, NOW - 24 * HOUR);
    expect(await sweeper.sweep()).toMatchObject({ expired: 2, full: true });
    expect(await sweeper.sweep()).toMatchObject({ expired: 2, full: true });
    expect(await sweeper.sweep()).toMatchObject({ expired: 1, full: false });
    expect(await sweeper.sweep()).toMatchObject({ expired: 0, full: false });
  });

  it("leaves objects under the root that it did not write", async () => {
    const { storage, sweeper } = setup();
    storage.objects.set("lifecycle/expire/README.txt", Buffer.from("hi"));
    expect(await sweeper.sweep()).toMatchObject({ expired: 0 });
    expect(storage.objects.has("lifecycle/expire/README.txt")).toBe(true);
  });

  it("fails the pass while S3 is down, and finishes the job at the next pass once it is back", async () => {
    const { storage, sweeper, keptJob, audioOf } = setup();
    const key = keptJob("old", NOW - 24 * HOUR);
    storage.failOpOnce.add("deleteMany");
    await expect(sweeper.sweep()).rejects.toThrow(/refused deleteMany/);
    expect(storage.objects.has(key)).toBe(true);
    expect(await sweeper.sweep()).toMatchObject({ expired: 1 });
    expect(audioOf("old")).toEqual([]);
    expect(storage.objects.has(key)).toBe(false);
  });

  it("sweeps at start, and stop() waits for the pass in flight", async () => {
    const { sweeper, keptJob, audioOf, metrics } = setup();
    keptJob("old", NOW - 24 * HOUR);
    sweeper.start();
    await sleep(20);
    await sweeper.stop();
    expect(audioOf("old")).toEqual([]);
    expect((await metrics.audioSweeps.get()).values).toEqual([expect.objectContaining({ labels: { outcome: "ok" }, value: 1 })]);
    expect((await metrics.audioExpiredJobs.get()).values[0]?.value).toBe(1);
  });
});
