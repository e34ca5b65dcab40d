// A job's completion as the sink recorded it in S3 (its completed marker),
// for jobs whose events have left asr.jobs (retention) but whose transcripts
// are still in the store: they are written, not submitted again.

import type { ObjectStore } from "@lingostream/runtime";
import type { JobCompleted } from "@lingostream/schemas";
import { completedKey, transcriptKeys } from "@lingostream/sink-s3";

const MAX_MARKER_BYTES = 64 * 1024;

export async function storedCompletion(store: ObjectStore, tenant: string, jobId: string): Promise<JobCompleted | undefined> {
  const job = { tenant, jobId };
  const key = completedKey(job);
  if (!(await store.exists(key))) return undefined;
  let marker: { transcribedCount?: unknown; failedCount?: unknown; completedAt?: unknown };
  try {
    marker = JSON.parse((await store.get(key, MAX_MARKER_BYTES)).toString("utf8"));
  } catch {
    return undefined; // unreadable: the job is submitted again and the sink rewrites it
  }
  const transcribedCount = Number(marker.transcribedCount);
  const failedCount = Number(marker.failedCount);
  const completedAt = Number(marker.completedAt);
  if (![transcribedCount, failedCount, completedAt].every(Number.isFinite)) return undefined;
  return {
    tenant,
    jobId,
    segmentCount: transcribedCount + failedCount,
    transcribedCount,
    failedCount,
    transcriptKeys: transcriptKeys(job),
    producerId: "",
    eventTime: completedAt,
  };
}
