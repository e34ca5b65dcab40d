// What asr.jobs already says about the jobs of a run: the fold of their events
// (a job's state is its last lifecycle event). Only the run's own job ids are
// kept, so memory follows the run, not the topic's history.

import { type JobCompleted, type JobFailed, readJobEvent } from "@lingostream/schemas";

export type PriorState =
  /** Never requested (or its events have expired): submit it. */
  | { status: "new" }
  /** Requested and not ended yet: attach to it, do not submit again. */
  | { status: "in-flight"; segmentCount?: number }
  | { status: "completed"; completed: JobCompleted }
  /** Ended without a transcript (e.g. unreadable media): submitted again. */
  | { status: "failed"; failure: JobFailed };

export class JobHistory {
  private readonly states = new Map<string, PriorState>();

  constructor(jobIds: Iterable<string>) {
    for (const jobId of jobIds) this.states.set(jobId, { status: "new" });
  }

  /** Applies one decoded asr.jobs value; events of other jobs and unreadable values are ignored. */
  offer(value: unknown): void {
    let tagged: ReturnType<typeof readJobEvent>;
    try {
      tagged = readJobEvent(value);
    } catch {
      return;
    }
    const { jobId } = tagged.event;
    const state = this.states.get(jobId);
    if (!state) return;
    switch (tagged.type) {
      case "JobRequested":
        this.states.set(jobId, { status: "in-flight" });
        break;
      case "JobSegmented":
        if (state.status === "in-flight") this.states.set(jobId, { status: "in-flight", segmentCount: tagged.event.segmentCount });
        break;
      case "JobCompleted":
        this.states.set(jobId, { status: "completed", completed: tagged.event });
        break;
      case "JobFailed":
        // A failure of one segmenter attempt that a later JobCompleted outlived does not matter; the last word wins.
        this.states.set(jobId, { status: "failed", failure: tagged.event });
        break;
      default:
        // SegmentsReplayed: the job stays what it was; a repaired transcript comes as a new JobCompleted.
        break;
    }
  }

  state(jobId: string): PriorState {
    return this.states.get(jobId) ?? { status: "new" };
  }
}
