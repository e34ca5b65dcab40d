// Follows submitted jobs through the topics: segment totals from JobSegmented,
// progress from results and dead letters, the end from JobCompleted or
// JobFailed. Reads from the offsets recorded before submission, so it sees
// every event of these jobs and none of the topics' older history.

import { fetchTopicOffsetsRetrying, type ServiceContext } from "@lingostream/runtime";
import { type JobCompleted, readJobEvent, type SegmentFailed, type SegmentTranscribed } from "@lingostream/schemas";
import type { Admin, Consumer } from "kafkajs";

export interface WatchedJob {
  jobId: string;
  segmentCount?: number;
  /** Segments done before the watch began (a job attached to mid-way), for progress only. */
  doneBefore: number;
  /** Segments re-published by a replay of this run: the job also ends when each has failed again (the transcript then stands unchanged). */
  retrying?: Set<string>;
  transcribed: Set<string>;
  failed: Map<string, SegmentFailed>;
  completed?: JobCompleted;
  failure?: { reason: string; message: string };
}

type StartOffsets = Map<string, { partition: number; offset: string }[]>;

export class JobWatcher {
  readonly jobs = new Map<string, WatchedJob>();
  private consumer: Consumer | undefined;
  private readonly ctx: ServiceContext;
  private starts: StartOffsets = new Map();
  private onChange: () => void = () => {};
  private restartTimer: NodeJS.Timeout | undefined;
  /** Jobs of the run not watched yet whose JobRequested appeared since mark(): another run submitted them. */
  private readonly requestedElsewhere = new Set<string>();
  private readonly runJobIds: ReadonlySet<string>;
  /** Progress of jobs already forgotten, so totals stay whole while memory holds only the jobs in flight. */
  private forgotten = { done: 0, total: 0, ended: 0, jobs: 0 };

  constructor(ctx: ServiceContext, options: { runJobIds?: ReadonlySet<string> } = {}) {
    this.ctx = ctx;
    this.runJobIds = options.runJobIds ?? new Set();
  }

  /** Records the topics' end offsets; call before submitting jobs. */
  async mark(admin: Admin): Promise<void> {
    const topics = [this.ctx.topics.jobs, this.ctx.topics.results, this.ctx.topics.segmentsFailed];
    for (const topic of topics) {
      const offsets = await fetchTopicOffsetsRetrying(admin, topic);
      this.starts.set(topic, offsets.map((o) => ({ partition: o.partition, offset: o.offset })));
    }
  }

  watch(jobId: string, known: { segmentCount?: number; doneBefore?: number } = {}): WatchedJob {
    const job: WatchedJob = { jobId, segmentCount: known.segmentCount, doneBefore: known.doneBefore ?? 0, transcribed: new Set(), failed: new Map() };
    this.jobs.set(jobId, job);
    return job;
  }

  /** Whether a JobRequested of this job appeared since mark() while it was not watched. */
  requestedSinceMark(jobId: string): boolean {
    return this.requestedElsewhere.has(jobId);
  }

  /** Drops an ended job's state; its counts stay in totals(). */
  forget(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    const t = jobTotals(job);
    this.forgotten = {
      done: this.forgotten.done + t.done,
      total: this.forgotten.total + t.total,
      ended: this.forgotten.ended + (isEnded(job) ? 1 : 0),
      jobs: this.forgotten.jobs + 1,
    };
    this.jobs.delete(jobId);
    this.requestedElsewhere.delete(jobId);
  }

  async start(onChange: () => void): Promise<void> {
    this.onChange = onChange;
    await this.run();
  }

  private async run(): Promise<void> {
    // disconnect() waits out the fetch in flight: a short long-poll lets `transcribe` exit as soon as its jobs end, not 5 s later.
    const consumer = this.ctx.kafka.consumer({ groupId: `lingostream-watch-${this.ctx.instanceId}`, sessionTimeout: 30_000, maxWaitTimeInMs: 500 });
    this.consumer = consumer;
    // kafkajs gives up on some crashes for good (a group coordinator not found
    // while the broker restarts, tulios/kafkajs#1630), which would leave
    // `transcribe` waiting forever: a new consumer reads again from the
    // recorded offsets, and applying an event twice changes nothing.
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || this.consumer !== consumer) return;
      this.ctx.logger.warn({ err: String(event.payload.error) }, "job watcher's consumer crashed; starting a new one");
      this.restartSoon(consumer);
    });
    await consumer.connect();
    const topics = [...this.starts.keys()];
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, message }) => {
        if (!message.value) return;
        let value: unknown;
        try {
          value = (await this.ctx.serde.decode(message.value)).value;
        } catch {
          return; // not ours to judge; the workers dead-letter malformed events
        }
        this.apply(topic, value);
      },
    });
    for (const [topic, offsets] of this.starts) {
      for (const { partition, offset } of offsets) consumer.seek({ topic, partition, offset });
    }
  }

  private apply(topic: string, value: unknown): void {
    const { topics } = this.ctx;
    if (topic === topics.jobs) {
      const ev = readJobEvent(value);
      const job = this.jobs.get(ev.event.jobId);
      if (!job) {
        if (ev.type === "JobRequested" && this.runJobIds.has(ev.event.jobId)) this.requestedElsewhere.add(ev.event.jobId);
        return;
      }
      if (ev.type === "JobSegmented") job.segmentCount = ev.event.segmentCount;
      else if (ev.type === "JobCompleted") job.completed = ev.event;
      else if (ev.type === "JobFailed") job.failure = { reason: ev.event.reason, message: ev.event.message };
    } else if (topic === topics.results) {
      const r = value as SegmentTranscribed;
      const job = this.jobs.get(r.jobId);
      if (!job) return;
      job.transcribed.add(r.segmentId);
      job.failed.delete(r.segmentId);
    } else if (topic === topics.segmentsFailed) {
      const f = value as SegmentFailed;
      const job = f.jobId ? this.jobs.get(f.jobId) : undefined;
      if (!job || !f.segmentId || job.transcribed.has(f.segmentId)) return;
      job.failed.set(f.segmentId, f);
      job.retrying?.delete(f.segmentId);
    }
    this.onChange();
  }

  totals(): { done: number; total: number; ended: number; jobs: number } {
    let { done, total, ended, jobs } = this.forgotten;
    for (const job of this.jobs.values()) {
      const t = jobTotals(job);
      done += t.done;
      total += t.total;
      if (isEnded(job)) ended++;
      jobs++;
    }
    return { done, total, ended, jobs };
  }

  allEnded(): boolean {
    return [...this.jobs.values()].every(isEnded);
  }

  private restartSoon(crashed: Consumer): void {
    this.restartTimer = setTimeout(() => {
      if (this.consumer !== crashed) return;
      this.run().catch((err: unknown) => {
        this.ctx.logger.warn({ err: String(err) }, "job watcher could not restart its consumer; trying again");
        void this.consumer?.disconnect().catch(() => {});
        if (this.consumer !== undefined) this.restartSoon(this.consumer);
      });
    }, 1000);
  }

  async stop(): Promise<void> {
    clearTimeout(this.restartTimer);
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => {});
  }
}

export function isEnded(job: WatchedJob): boolean {
  return job.failure !== undefined || job.completed !== undefined || (job.retrying !== undefined && job.retrying.size === 0);
}

function jobTotals(job: WatchedJob): { done: number; total: number } {
  const done = Math.min(job.doneBefore + job.transcribed.size + job.failed.size, job.segmentCount ?? Number.POSITIVE_INFINITY);
  return { done, total: job.segmentCount ?? Math.max(done, 1) };
}
