// Which dead letters `failed list` and `replay` look at: by tenant, job, error
// class and failure time.

import type { ErrorClass, SegmentFailed } from "@lingostream/schemas";

export interface DeadLetterFilter {
  tenant?: string;
  jobId?: string;
  /** Any of these jobs (`transcribe --retry-failed` replays the jobs of its files). */
  jobIds?: ReadonlySet<string>;
  errorClass?: ErrorClass;
  /** Epoch ms, inclusive, compared with the dead letter's lastFailureTime. */
  since?: number;
  /** Epoch ms, inclusive. */
  until?: number;
}

export function matchesFilter(letter: SegmentFailed, filter: DeadLetterFilter): boolean {
  if (filter.tenant !== undefined && letter.tenant !== filter.tenant) return false;
  if (filter.jobId !== undefined && letter.jobId !== filter.jobId) return false;
  if (filter.jobIds !== undefined && (letter.jobId === undefined || letter.jobId === null || !filter.jobIds.has(letter.jobId))) return false;
  if (filter.errorClass !== undefined && letter.errorClass !== filter.errorClass) return false;
  if (filter.since !== undefined && letter.lastFailureTime < filter.since) return false;
  if (filter.until !== undefined && letter.lastFailureTime > filter.until) return false;
  return true;
}
