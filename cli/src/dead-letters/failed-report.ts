// What `failed list` makes of asr.segments.failed: dead letters grouped by job
// and error class, each segment open, replayed or resolved. Every structure is
// capped, so memory is bounded however long the topic is.

import type { SegmentFailed, SegmentsReplayed } from "@lingostream/schemas";

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
