// How far a job's segments were published, kept beside their audio so that a
// job segmented again (the segmenter restarted mid-job, or the same job was
// requested twice) re-publishes nothing that was already announced: those
// segments are in asr.segments already and would be transcribed twice.
// Cuts are deterministic for the same media and cut settings, so the first
// `published` segments of a new pass are the ones announced before; with other
// settings the cuts differ and everything is published again.

import type { ObjectStore } from "@lingostream/runtime";
import type { CutOptions } from "./cut-options.ts";

export interface PublishProgress {
  /** Segments 0..published-1 were produced and acknowledged. */
  published: number;
  /** The cut settings they were made with. */
  cut: CutOptions;
}

const MAX_PROGRESS_BYTES = 4096;

export function progressKey(tenant: string, jobId: string): string {
  return `segments/${tenant}/${jobId}/published.json`;
}

/** Segments already published with these cut settings; 0 when there is no (readable, matching) record. */
export async function publishedBefore(store: ObjectStore, tenant: string, jobId: string, cut: CutOptions): Promise<number> {
  const key = progressKey(tenant, jobId);
  if (!(await store.exists(key))) return 0;
  try {
    const progress = JSON.parse((await store.get(key, MAX_PROGRESS_BYTES)).toString("utf8")) as PublishProgress;
    return sameCut(progress.cut, cut) && Number.isInteger(progress.published) && progress.published > 0 ? progress.published : 0;
  } catch {
    return 0;
  }
}

export async function recordPublished(store: ObjectStore, tenant: string, jobId: string, progress: PublishProgress): Promise<void> {
  await store.put(progressKey(tenant, jobId), JSON.stringify(progress), "application/json");
}

export function sameCut(a: CutOptions | undefined, b: CutOptions): boolean {
  if (!a) return false;
  return (Object.keys(b) as (keyof CutOptions)[]).every((k) => a[k] === b[k]);
}
