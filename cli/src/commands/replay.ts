// `lingostream replay`: re-publishes dead-lettered segments to asr.segments as
// their next attempt and records each job's replay as a SegmentsReplayed event.
// Replaying twice is safe: the sink keeps one object per segment index, so a
// second result overwrites the first and the transcript is rebuilt whole.

import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { appendJobEvent, mapLimit, type ServiceContext, segmentResultKey } from "@lingostream/runtime";
import type { SegmentFailed } from "@lingostream/schemas";
import type { Command } from "commander";
import type { Producer } from "kafkajs";
import { withCommandContext } from "../command-context.ts";
import { type FilterArgs, parseFilter, parseLimit, parseRate } from "../dead-letter-args.ts";
import type { DeadLetterFilter } from "../dead-letters/filter.ts";
import { type ReplayCandidate, ReplaySelection, replaySegment, SKIP_REASONS, type SkipReason } from "../dead-letters/replay-selection.ts";
import { commandEnv } from "../global-options.ts";
import { addJsonOption, jsonText, type OutputOptions } from "../output-options.ts";
import { scanEvents } from "../topic-scan/topic-scan.ts";
import { addExamples, checkArgs } from "../usage.ts";

/**
 * Most segments one run selects. The selection holds each segment's event
 * (about 1 KiB without inline audio), so this caps a run's memory near 50 MiB;
 * larger backlogs are replayed in slices (--job, --since/--until).
 */
export const MAX_REPLAY_SEGMENTS = 50_000;
/** Segment ids per SegmentsReplayed event, keeping each event small. */
const IDS_PER_EVENT = 1000;
/** Messages per produce request when no --rate paces them. */
const UNPACED_BATCH = 100;

export interface ReplayOptions extends FilterArgs {
  /** Only these jobs; set by `transcribe --retry-failed`, not a command-line option. */
  jobIds?: ReadonlySet<string>;
  limit?: string;
  rate?: string;
  dryRun?: boolean;
}

export interface ReplayedJob {
  tenant: string;
  jobId: string;
  segmentIds: string[];
}

export interface ReplaySummary {
  replayId: string;
  dryRun: boolean;
  /** Dead-letter records read, decodable or not. */
  scanned: number;
  undecodable: number;
  /** Records that passed the filters. */
  matched: number;
  /** Distinct segments chosen (latest dead letter each). */
  selected: number;
  /** Segments re-published; 0 on a dry run. */
  replayed: number;
  skipped: Record<SkipReason, number>;
  jobs: ReplayedJob[];
  /** Partitions the scan could not read to their end. */
  incomplete: string[];
}

export function registerReplayCommand(program: Command): void {
  const cmd = program
    .command("replay")
    .description("re-publish dead-lettered segments to asr.segments as their next attempt; jobs are re-assembled when they land")
    .option("--job <id>", "only this job")
    .option("--tenant <tenant>", "only this tenant")
    .option("--error-class <class>", "only this error class (decode, engine, timeout, oversize, corrupt, malformed, unknown)")
    .option("--since <time>", "only dead letters from this time on: ISO date or an age such as 2h, 30m, 7d")
    .option("--until <time>", "only dead letters up to this time: ISO date or an age")
    .option("--limit <n>", `at most this many segments (and never more than ${MAX_REPLAY_SEGMENTS} per run)`)
    .option("--rate <n/s>", "at most this many segments per second (default: unpaced)")
    .option("--dry-run", "print what would be replayed and write nothing");
  addJsonOption(cmd);
  addExamples(cmd, [
    "lingostream replay --dry-run",
    "lingostream replay --error-class timeout --since 2h --rate 20/s",
    "lingostream replay --job JOB_ID --json | jq '.replayed'",
  ]);
  cmd.action(async (opts: ReplayOptions & OutputOptions, command: Command) => {
    checkArgs(command, () => parseReplayOptions(opts, Date.now()));
    await withCommandContext("replay", commandEnv(command), async (ctx) => {
      // With --json the summary is the output; the lines are for people.
      const summary = await replay(ctx, opts, opts.json ? undefined : (line) => process.stdout.write(`${line}\n`));
      if (opts.json) process.stdout.write(jsonText(summary));
    });
  });
}

/** What the user typed, checked and parsed; nothing is read before this passes. */
function parseReplayOptions(opts: ReplayOptions, now: number): { filter: DeadLetterFilter; limit: number; rate: number | undefined } {
  const filter = { ...parseFilter(opts, now), ...(opts.jobIds ? { jobIds: opts.jobIds } : {}) };
  const limit = Math.min(opts.limit !== undefined ? parseLimit(opts.limit) : MAX_REPLAY_SEGMENTS, MAX_REPLAY_SEGMENTS);
  const rate = opts.rate !== undefined ? parseRate(opts.rate) : undefined;
  return { filter, limit, rate };
}

export async function replay(ctx: ServiceContext, opts: ReplayOptions, print: (line: string) => void = () => {}): Promise<ReplaySummary> {
  // Everything the user typed is checked before anything is read or written.
  const { filter, limit, rate } = parseReplayOptions(opts, Date.now());
  const replayId = `replay-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;

  const selection = new ReplaySelection(limit);
  const scan = await scanEvents(ctx, [ctx.topics.segmentsFailed], ({ value }) => selection.offer(value as SegmentFailed, filter));
  const candidates = await unresolved(ctx, selection.candidates(), () => selection.skipped.resolved++);
  const summary: ReplaySummary = {
    replayId,
    dryRun: opts.dryRun === true,
    scanned: scan.messages,
    undecodable: scan.undecodable,
    matched: selection.matched,
    selected: candidates.length,
    replayed: 0,
    skipped: selection.skipped,
    jobs: [],
    incomplete: scan.incomplete,
  };
  const byJob = groupByJob(candidates);

  if (!summary.dryRun && candidates.length > 0) {
    await ctx.serde.register("segments");
    await ctx.serde.register("jobs");
    const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const pace = new Pacer(rate);
      for (const group of byJob) {
        const job: ReplayedJob = { tenant: group.tenant, jobId: group.jobId, segmentIds: [] };
        summary.jobs.push(job);
        try {
          await republish(ctx, producer, group.candidates, pace, (segmentId) => {
            job.segmentIds.push(segmentId);
            summary.replayed++;
          });
        } finally {
          // What was sent is recorded even when a later send failed.
          if (job.segmentIds.length > 0) await recordReplay(ctx, producer, replayId, job);
        }
      }
    } finally {
      await producer.disconnect();
    }
  } else {
    summary.jobs = byJob.map((g) => ({ tenant: g.tenant, jobId: g.jobId, segmentIds: g.candidates.map((c) => c.segment.segmentId) }));
  }
  for (const line of describeReplay(summary, ctx.topics.segments, rate)) print(line);
  return summary;
}

/** Results the store holds checked at once; each is one HEAD request. */
const RESOLVE_CONCURRENCY = 8;

/**
 * Drops the segments whose result the sink already holds (a replay or a retry
 * transcribed them after the dead letter): re-publishing them would redo the
 * work, and their audio is deleted once the job is whole again.
 */
async function unresolved(ctx: ServiceContext, candidates: ReplayCandidate[], onResolved: () => void): Promise<ReplayCandidate[]> {
  const resolved = await mapLimit(candidates, RESOLVE_CONCURRENCY, ({ segment }) => ctx.store.exists(segmentResultKey(segment.tenant, segment.jobId, segment.index)));
  for (const r of resolved) if (r) onResolved();
  return candidates.filter((_, i) => !resolved[i]);
}

interface JobCandidates {
  tenant: string;
  jobId: string;
  candidates: ReplayCandidate[];
}

function groupByJob(candidates: ReplayCandidate[]): JobCandidates[] {
  const jobs = new Map<string, JobCandidates>();
  for (const c of candidates) {
    const key = `${c.segment.tenant}/${c.segment.jobId}`;
    let job = jobs.get(key);
    if (!job) {
      job = { tenant: c.segment.tenant, jobId: c.segment.jobId, candidates: [] };
      jobs.set(key, job);
    }
    job.candidates.push(c);
  }
  return [...jobs.values()];
}

/** Spaces sends to at most `rate` per second; without a rate it never waits. */
class Pacer {
  private readonly intervalMs: number;
  private next = Date.now();

  constructor(rate: number | undefined) {
    this.intervalMs = rate ? 1000 / rate : 0;
  }

  get paced(): boolean {
    return this.intervalMs > 0;
  }

  async wait(): Promise<void> {
    if (!this.paced) return;
    const now = Date.now();
    if (this.next > now) await sleep(this.next - now);
    this.next = Math.max(this.next, now) + this.intervalMs;
  }
}

async function republish(ctx: ServiceContext, producer: Producer, candidates: ReplayCandidate[], pace: Pacer, sent: (segmentId: string) => void): Promise<void> {
  const batchSize = pace.paced ? 1 : UNPACED_BATCH;
  for (let i = 0; i < candidates.length; i += batchSize) {
    const batch = candidates.slice(i, i + batchSize);
    await pace.wait();
    const messages = [];
    for (const c of batch) {
      const segment = replaySegment(c, ctx.instanceId, Date.now());
      messages.push({ key: segment.segmentId, value: await ctx.serde.encode("segments", segment) });
    }
    await producer.send({ topic: ctx.topics.segments, acks: -1, messages });
    for (const c of batch) sent(c.segment.segmentId);
  }
}

async function recordReplay(ctx: ServiceContext, producer: Producer, replayId: string, job: ReplayedJob): Promise<void> {
  for (let i = 0; i < job.segmentIds.length; i += IDS_PER_EVENT) {
    const segmentIds = job.segmentIds.slice(i, i + IDS_PER_EVENT);
    await appendJobEvent(ctx, producer, "SegmentsReplayed", {
      tenant: job.tenant,
      jobId: job.jobId,
      replayId,
      segmentIds,
      count: segmentIds.length,
      producerId: ctx.instanceId,
      eventTime: Date.now(),
    });
  }
}

export function describeReplay(s: ReplaySummary, segmentsTopic: string, rate: number | undefined): string[] {
  const lines = [`${s.dryRun ? "dry run " : ""}${s.replayId}: read ${s.scanned} dead letters, ${s.matched} matched the filters`];
  const jobs = s.jobs.length;
  if (s.dryRun) {
    lines.push(`would replay ${s.selected} segments of ${jobs} jobs to ${segmentsTopic}; nothing was written`);
  } else {
    lines.push(`selected ${s.selected} segments of ${jobs} jobs; replayed ${s.replayed} to ${segmentsTopic} as their next attempt${rate ? ` at up to ${rate}/s` : ""}`);
  }
  for (const job of s.jobs) {
    const shown = job.segmentIds.slice(0, 10).join(", ");
    lines.push(`  ${job.tenant}/${job.jobId}: ${job.segmentIds.length} segments (${shown}${job.segmentIds.length > 10 ? ", ..." : ""})`);
  }
  for (const [reason, count] of Object.entries(s.skipped) as [SkipReason, number][]) {
    if (count > 0) lines.push(`skipped ${count}: ${reason}: ${SKIP_REASONS[reason]}`);
  }
  if (s.undecodable > 0) lines.push(`skipped ${s.undecodable} dead-letter records that could not be decoded`);
  if (s.incomplete.length > 0) lines.push(`warning: stopped before the end of ${s.incomplete.join(", ")}`);
  if (!s.dryRun && s.replayed > 0) lines.push("jobs are re-assembled as their segments land; follow with `lingostream failed list`");
  return lines;
}
