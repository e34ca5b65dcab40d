// What an ASR processor has done since it started, as counts tests and
// benchmarks read from the running processor and its stop line reports.

export interface AsrStats {
  transcribed: number;
  /** Dead-lettered. */
  failed: number;
  /** Re-published as a new attempt. */
  retried: number;
  /** Events that did not decode or carried invalid ids. */
  malformed: number;
  groupJoins: number;
  /** Met again after their job completed and their audio was released. */
  alreadyDone: number;
}

export function emptyAsrStats(): AsrStats {
  return { transcribed: 0, failed: 0, retried: 0, malformed: 0, groupJoins: 0, alreadyDone: 0 };
}
