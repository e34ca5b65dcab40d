// The pure half of `lingostream status`: which memory level each processor
// obeys, job counts (consumer lag is worker-host's topicLag, shared with the
// workers' lag metrics). The Kafka reads that feed it are in read-status.ts.

import { isIP } from "node:net";
import { type PressureLevel, severity, worstLevel } from "@lingostream/runtime";
import type { TopicLag } from "@lingostream/worker-host";
import type { TenantStatus } from "./tenant-tally.ts";

export interface SourceStatus {
  sourceId: string;
  host: string;
  role: string;
  level: PressureLevel;
  usedRatio: number;
  eventTime: number;
  /** No sample for more than three intervals: the monitor is gone or cut off. */
  stale: boolean;
}

export interface ProcessorStatus {
  group: string;
  role: string;
  clientId: string;
  memberId: string;
  host: string;
  /** "topic[0,1]" per assigned topic. */
  partitions: string[];
  /** Worst fresh level among the sources on its host; undefined when none matches. */
  level: PressureLevel | undefined;
  /** Workers pause consumption at HIGH and CRITICAL; undefined when the level is unknown. */
  paused: boolean | undefined;
  sources: string[];
}

export interface GroupStatus {
  group: string;
  role: string;
  state: string;
  members: number;
  lag: number;
  topics: TopicLag[];
}

export interface JobCounts {
  /** Epoch ms the count starts from. */
  since: number;
  requested: number;
  segmented: number;
  completed: number;
  failed: number;
  /** Requested in the period and neither completed nor failed (at least 0). */
  inFlight: number;
}

export interface StatusReport {
  at: number;
  groups: GroupStatus[];
  processors: ProcessorStatus[];
  sources: SourceStatus[];
  jobs: JobCounts;
  /** Messages held by asr.segments.failed (end minus start offsets). */
  deadLetters: number;
  /** Per tenant, the busiest first (see tenant-tally.ts). */
  tenants: TenantStatus[];
  /** Jobs of the period not tallied per tenant (more than the tally keeps). */
  tenantJobsUntracked: number;
}


export function isStale(eventTime: number, intervalMs: number, now: number): boolean {
  return now - eventTime > 3 * Math.max(intervalMs, 1000);
}

const LOOPBACK_V4 = /^127\./;

export function isLoopback(address: string): boolean {
  const a = address.replace(/^\//, "").replace(/^::ffff:/, "");
  return LOOPBACK_V4.test(a) || a === "::1" || a === "localhost";
}

/** The member's address as kafkajs reports it ("/10.0.0.5"), without the slash. */
export function memberAddress(clientHost: string): string {
  return clientHost.replace(/^\//, "");
}

/**
 * Which sources describe the machine a member runs on: the same address, or a
 * source host that resolves to it; a member on loopback shares the machine with
 * this command, so it matches the sources of this host (or of loopback addresses).
 */
export function sourcesOfMember(
  memberHost: string,
  sources: readonly SourceStatus[],
  addressesOf: (host: string) => readonly string[],
  localHostname: string,
): SourceStatus[] {
  const address = memberAddress(memberHost);
  return sources.filter((s) => {
    if (s.host === address) return true;
    const addresses = isIP(s.host) ? [s.host] : addressesOf(s.host);
    if (addresses.includes(address)) return true;
    return isLoopback(address) && (s.host === localHostname || addresses.some(isLoopback));
  });
}

/** The level a processor obeys: the worst of its host's fresh sources. */
export function processorLevel(sources: readonly SourceStatus[]): { level: PressureLevel | undefined; paused: boolean | undefined } {
  const fresh = sources.filter((s) => !s.stale);
  if (fresh.length === 0) return { level: undefined, paused: undefined };
  const level = worstLevel(...fresh.map((s) => s.level));
  return { level, paused: severity(level) >= severity("HIGH") };
}

export function countJobEvent(counts: JobCounts, type: string): void {
  if (type === "JobRequested") counts.requested++;
  else if (type === "JobSegmented") counts.segmented++;
  else if (type === "JobCompleted") counts.completed++;
  else if (type === "JobFailed") counts.failed++;
  counts.inFlight = Math.max(0, counts.requested - counts.completed - counts.failed);
}

export function emptyJobCounts(since: number): JobCounts {
  return { since, requested: 0, segmented: 0, completed: 0, failed: 0, inFlight: 0 };
}
