// What `failed list` and `replay` make of asr.segments.failed: filtering,
// per-segment de-duplication (the latest dead letter wins), the grouped report
// and the segment a replay re-publishes. Every structure is capped, so memory
// is bounded however long the topic is.

import { isValidId } from "@lingostream/runtime";
import type { AudioSegment, ErrorClass, SegmentFailed, SegmentsReplayed } from "@lingostream/schemas";

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

// ---- failed list ----

export type SegmentStatus = "open" | "replayed" | "resolved";

export interface FailedGroup {
  tenant: string;
  jobId: string;
  errorClass: string;
  /** Dead-letter records in the group (a segment retried or replayed and failed again counts each time). */
  deadLetters: number;
  /** Distinct segments whose latest dead letter falls in the group. */
  segments: number;
  open: number;
  /** A replay was recorded after the latest dead letter, and no later result yet. */
  replayed: number;
  /** A SegmentTranscribed later than the latest dead letter exists. */
  resolved: number;
  /** Segments past the tracking cap: counted, but neither de-duplicated nor resolved. */
  untracked: number;
}

interface TrackedSegment {
  group: FailedGroup;
  lastFailureTime: number;
  replayedAt: number;
  resolvedAt: number;
}

export interface FailedReportLimits {
  /** Distinct segments tracked for de-duplication and resolution (about 150 bytes each). */
  maxSegments: number;
  /** Groups kept; further jobs are folded into one "(other jobs)" group per tenant-less error class. */
  maxGroups: number;
}

export const DEFAULT_REPORT_LIMITS: FailedReportLimits = { maxSegments: 200_000, maxGroups: 10_000 };

const UNKNOWN_JOB = "(unknown)";
const OTHER_JOBS = "(other jobs)";

/** Counts, never events: each dead letter updates a group and at most one tracked segment. */
export class FailedReport {
  private readonly limits: FailedReportLimits;
  private readonly groups = new Map<string, FailedGroup>();
  private readonly segments = new Map<string, TrackedSegment>();
  untrackedSegments = 0;
  foldedGroups = 0;

  constructor(limits: FailedReportLimits = DEFAULT_REPORT_LIMITS) {
    this.limits = limits;
  }

  addDeadLetter(letter: SegmentFailed): void {
    const group = this.groupFor(letter.tenant, letter.jobId ?? UNKNOWN_JOB, letter.errorClass);
    group.deadLetters++;
    const segmentId = letter.segmentId;
    if (segmentId === null) {
      // An undecodable original: nothing to de-duplicate or resolve by.
      group.segments++;
      group.open++;
      return;
    }
    const tracked = this.segments.get(segmentId);
    if (tracked) {
      if (letter.lastFailureTime < tracked.lastFailureTime) return;
      // The latest dead letter decides the segment's group (its error class may have changed).
      tracked.group.segments--;
      tracked.group.open--;
      tracked.group = group;
      tracked.lastFailureTime = letter.lastFailureTime;
      group.segments++;
      group.open++;
      return;
    }
    if (this.segments.size >= this.limits.maxSegments) {
      this.untrackedSegments++;
      group.untracked++;
      return;
    }
    this.segments.set(segmentId, { group, lastFailureTime: letter.lastFailureTime, replayedAt: 0, resolvedAt: 0 });
    group.segments++;
    group.open++;
  }

  /** Call after every dead letter has been added: a result only resolves failures older than itself. */
  addResult(segmentId: string, eventTime: number): void {
    const tracked = this.segments.get(segmentId);
    if (tracked && eventTime > tracked.lastFailureTime) tracked.resolvedAt = Math.max(tracked.resolvedAt, eventTime);
  }

  addReplay(event: SegmentsReplayed): void {
    for (const segmentId of event.segmentIds) {
      const tracked = this.segments.get(segmentId);
      if (tracked && event.eventTime > tracked.lastFailureTime) tracked.replayedAt = Math.max(tracked.replayedAt, event.eventTime);
    }
  }

  /** The groups, by tenant, job and error class, with each tracked segment's status counted. */
  rows(): FailedGroup[] {
    const byGroup = new Map<FailedGroup, FailedGroup>([...this.groups.values()].map((g) => [g, { ...g, replayed: 0, resolved: 0 }]));
    const rows = [...byGroup.values()];
    for (const tracked of this.segments.values()) {
      const row = byGroup.get(tracked.group) as FailedGroup;
      const status = segmentStatus(tracked);
      if (status === "open") continue;
      row.open--;
      row[status]++;
    }
    return rows.filter((r) => r.deadLetters > 0).sort((a, b) => a.tenant.localeCompare(b.tenant) || a.jobId.localeCompare(b.jobId) || a.errorClass.localeCompare(b.errorClass));
  }

  /** Segment ids whose status is tracked, for the resolution scans to filter by. */
  has(segmentId: string): boolean {
    return this.segments.has(segmentId);
  }

  get trackedSegments(): number {
    return this.segments.size;
  }

  private groupFor(tenant: string, jobId: string, errorClass: string): FailedGroup {
    const key = `${tenant}\u0000${jobId}\u0000${errorClass}`;
    let group = this.groups.get(key);
    if (group) return group;
    if (this.groups.size >= this.limits.maxGroups) {
      this.foldedGroups++;
      const otherKey = `\u0000${OTHER_JOBS}\u0000${errorClass}`;
      group = this.groups.get(otherKey);
      if (group) return group;
      group = newGroup("*", OTHER_JOBS, errorClass);
      this.groups.set(otherKey, group);
      return group;
    }
    group = newGroup(tenant, jobId, errorClass);
    this.groups.set(key, group);
    return group;
  }
}

function newGroup(tenant: string, jobId: string, errorClass: string): FailedGroup {
  return { tenant, jobId, errorClass, deadLetters: 0, segments: 0, open: 0, replayed: 0, resolved: 0, untracked: 0 };
}

function segmentStatus(t: TrackedSegment): SegmentStatus {
  if (t.resolvedAt > 0) return "resolved";
  if (t.replayedAt > 0) return "replayed";
  return "open";
}

// ---- replay ----

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
