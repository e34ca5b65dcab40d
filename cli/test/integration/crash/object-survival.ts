// What a run's bucket held before the S3 server was killed, and what of it is
// still there once the server is back: a crash of the server must take no
// stored object with it, nor change one written once. Only what the pipeline
// itself deletes meanwhile is excused.

import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type ObjectStore, PipelineError } from "@lingostream/runtime";

/** Key → size of every object in the bucket. */
export type Listing = Map<string, number>;

export async function listBucket(store: ObjectStore): Promise<Listing> {
  const objects: Listing = new Map();
  for await (const { key, size } of store.list("")) objects.set(key, size);
  return objects;
}

export interface SurvivalOptions {
  store: ObjectStore;
  /** Jobs with a JobCompleted so far. */
  completedJobs(): ReadonlySet<string>;
  /** The sha256 of each segment's audio by object key, from the claim checks seen so far. */
  claimChecks(): ReadonlyMap<string, string>;
  /** How long a job's audio may be gone before its completion is seen (the observer reads a moment behind the sink), ms. */
  graceMs?: number;
}

export interface Survival {
  /** Objects listed before the kill. */
  before: number;
  /** The same by top-level folder (segments, media, jobs, archive, transcripts ...). */
  beforeByFolder: Record<string, number>;
  /** Of those, still there after the restart. */
  kept: number;
  /** Audio and uploaded media deleted since because their job completed, as the sink does. */
  deletedWithJob: number;
  /** Archive batches replaced since by one cut again from the same offset, as the sink does after a failed rotation. */
  recut: number;
  /** Gone with nothing to excuse it. */
  missing: string[];
  /** Written once (audio, media, archive batches) and now of another size. */
  resized: string[];
  /** Segment audio read back and found byte for byte what its claim check names. */
  audioVerified: number;
  /** Segment audio whose sha256 differs from its claim check. */
  audioCorrupt: string[];
}

/** The job whose segment audio or uploaded media this is: the sink deletes both once the job completes. */
function jobOwning(key: string): string | undefined {
  return /^(?:segments|media)\/[^/]+\/([^/]+)\//.exec(key)?.[1];
}

function isSegmentAudio(key: string): boolean {
  return key.startsWith("segments/") && key.endsWith(".wav");
}

/** Objects that are never rewritten with other content: segment audio, uploaded media, archive batches (named by their offsets). */
function writtenOnce(key: string): boolean {
  return isSegmentAudio(key) || key.startsWith("media/") || key.startsWith("archive/");
}

/** An archive batch's key up to its start offset (…/<start>-<end>.jsonl): another batch from the same offset replaces it. */
function archiveStart(key: string): string | undefined {
  return key.startsWith("archive/") ? key.slice(0, key.lastIndexOf("-") + 1) : undefined;
}


/** Lists the bucket again and holds it against `before`; reads back every segment audio object that is still there. */
export async function checkSurvival(before: Listing, options: SurvivalOptions): Promise<Survival> {
  const { store } = options;
  const after = await listBucket(store);
  const gone = [...before.keys()].filter((key) => !after.has(key));
  const resized = [...before].filter(([key, size]) => writtenOnce(key) && after.has(key) && after.get(key) !== size).map(([key]) => key);

  let audioVerified = 0;
  const audioCorrupt: string[] = [];
  const claimChecks = options.claimChecks();
  for (const key of before.keys()) {
    const expected = claimChecks.get(key);
    if (!after.has(key) || !isSegmentAudio(key) || expected === undefined) continue;
    let body: Buffer;
    try {
      body = await store.get(key, 64 * 1024 * 1024);
    } catch (err) {
      // Deleted since the listing: judged with the rest of what is gone.
      if (err instanceof PipelineError && err.code === "storage-not-found") {
        gone.push(key);
        continue;
      }
      throw err;
    }
    if (createHash("sha256").update(body).digest("hex") === expected) audioVerified++;
    else audioCorrupt.push(key);
  }

  const recut = (key: string) => {
    const start = archiveStart(key);
    return start !== undefined && [...after.keys()].some((k) => k !== key && k.startsWith(start));
  };
  const deletedWithJob = (key: string) => {
    const job = jobOwning(key);
    return job !== undefined && options.completedJobs().has(job);
  };
  const unexcused = () => gone.filter((key) => !recut(key) && !deletedWithJob(key));
  const deadline = Date.now() + (options.graceMs ?? 10_000);
  while (unexcused().some((key) => jobOwning(key) !== undefined) && Date.now() < deadline) await sleep(100);

  const missing = unexcused();
  const byJob = gone.filter(deletedWithJob).length;
  const beforeByFolder: Record<string, number> = {};
  for (const key of before.keys()) {
    const folder = key.split("/", 1)[0] as string;
    beforeByFolder[folder] = (beforeByFolder[folder] ?? 0) + 1;
  }
  return {
    before: before.size,
    beforeByFolder,
    kept: before.size - gone.length,
    deletedWithJob: byJob,
    recut: gone.length - missing.length - byJob,
    missing,
    resized,
    audioVerified,
    audioCorrupt,
  };
}
