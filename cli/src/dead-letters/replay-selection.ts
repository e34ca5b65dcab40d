// What `replay` makes of asr.segments.failed: per segment the latest matching
// dead letter (capped, so memory is bounded however long the topic is), and
// the segment it re-publishes as the next attempt.

import { isValidId } from "@lingostream/runtime";
import type { AudioSegment, SegmentFailed } from "@lingostream/schemas";
import { type DeadLetterFilter, matchesFilter } from "./filter.ts";

export type SkipReason = "undecodable-original" | "invalid-id" | "older-dead-letter" | "over-limit" | "resolved";

export const SKIP_REASONS: Record<SkipReason, string> = {
  "undecodable-original": "the original event could not be decoded, so there is no segment to re-publish",
  "invalid-id": "tenant, job or segment id fails the id pattern",
  "older-dead-letter": "a later dead letter of the same segment was selected instead",
  "over-limit": "past --limit (or the replay cap); narrow the selection and run again",
  resolved: "transcribed since: its result is in the store (its audio may already be deleted)",
};

/** What a replay keeps per segment: the latest matching dead letter's segment and attempt. */
export interface ReplayCandidate {
  segment: AudioSegment;
  attempt: number;
  errorClass: string;
  firstFailureTime: number;
  lastFailureTime: number;
}

/**
 * De-duplicates by segmentId with the latest dead letter winning. The map is
 * capped at `limit` segments: a segment first seen past the cap is skipped, one
 * already selected is still updated, so the cap bounds memory and never picks
 * an older dead letter over a newer one.
 */
export class ReplaySelection {
  readonly limit: number;
  private readonly chosen = new Map<string, ReplayCandidate>();
  readonly skipped: Record<SkipReason, number> = { "undecodable-original": 0, "invalid-id": 0, "older-dead-letter": 0, "over-limit": 0, resolved: 0 };
  matched = 0;
  unmatched = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  offer(letter: SegmentFailed, filter: DeadLetterFilter): void {
    if (!matchesFilter(letter, filter)) {
      this.unmatched++;
      return;
    }
    this.matched++;
    const segment = letter.segment;
    if (segment === null) {
      this.skipped["undecodable-original"]++;
      return;
    }
    if (!isValidId(segment.tenant) || !isValidId(segment.jobId) || !isValidId(segment.segmentId)) {
      this.skipped["invalid-id"]++;
      return;
    }
    const candidate: ReplayCandidate = {
      segment,
      attempt: letter.attempt,
      errorClass: letter.errorClass,
      firstFailureTime: letter.firstFailureTime,
      lastFailureTime: letter.lastFailureTime,
    };
    const previous = this.chosen.get(segment.segmentId);
    if (previous) {
      this.skipped["older-dead-letter"]++;
      // Same key, same partition: offset order is failure order; the time check guards hand-made events.
      if (candidate.lastFailureTime >= previous.lastFailureTime) this.chosen.set(segment.segmentId, candidate);
      return;
    }
    if (this.chosen.size >= this.limit) {
      this.skipped["over-limit"]++;
      return;
    }
    this.chosen.set(segment.segmentId, candidate);
  }

  get size(): number {
    return this.chosen.size;
  }

  candidates(): ReplayCandidate[] {
    return [...this.chosen.values()].sort((a, b) => a.segment.jobId.localeCompare(b.segment.jobId) || a.segment.index - b.segment.index);
  }
}

/** The segment as re-published: the next attempt, the first failure carried on. */
export function replaySegment(candidate: ReplayCandidate, producerId: string, now: number): AudioSegment {
  const { segment } = candidate;
  return {
    ...segment,
    attempt: Math.max(segment.attempt, candidate.attempt) + 1,
    firstFailureTime: segment.firstFailureTime ?? candidate.firstFailureTime,
    producerId,
    eventTime: now,
  };
}
