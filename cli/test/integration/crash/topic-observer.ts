// Reads every event of one run's topics as it is written: the work queue, the
// results, the dead letters and the job events. Fault injectors trigger on its
// counts, and the run's report comes from it. Records are kept by coordinates,
// so a consumer restart (the broker went away) that reads them again counts
// each record once.

import type { ServiceContext } from "@lingostream/runtime";
import { type AudioSegment, type JobCompleted, readJobEvent, type SegmentFailed, type SegmentTranscribed } from "@lingostream/schemas";
import type { Consumer } from "kafkajs";

export interface JobView {
  /** The input's file name, from JobRequested. */
  sourceName?: string;
  segmentCount?: number;
  /** Every JobCompleted, in order: a replay that fixes a job announces it again. */
  completions: JobCompleted[];
  failures: string[];
}

export class TopicObserver {
  readonly segments: AudioSegment[] = [];
  readonly results: SegmentTranscribed[] = [];
  readonly deadLetters: SegmentFailed[] = [];
  readonly jobs = new Map<string, JobView>();
  /** Records that did not decode: there must be none. */
  readonly undecodable: string[] = [];
  private readonly seen = new Set<string>();
  private readonly ctx: ServiceContext;
  private consumer: Consumer | undefined;
  /** Consumers started again after kafkajs gave up on one. */
  restarts = 0;
  private stopped = false;

  constructor(ctx: ServiceContext) {
    this.ctx = ctx;
  }

  async start(): Promise<void> {
    const { topics } = this.ctx;
    const consumer = this.ctx.kafka.consumer({ groupId: `${topics.jobs}.observer-${this.ctx.instanceId}`, sessionTimeout: 30_000, maxWaitTimeInMs: 500 });
    this.consumer = consumer;
    // kafkajs does not restart a consumer after some crashes (group coordinator
    // not found while the broker restarts): start a new one, which reads from
    // the beginning again; records already seen are skipped by their coordinates.
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || this.stopped) return;
      this.restarts++;
      this.restartSoon();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.segments, topics.results, topics.segmentsFailed, topics.jobs], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const where = `${topic}:${partition}:${message.offset}`;
        if (this.seen.has(where)) return;
        this.seen.add(where);
        try {
          this.apply(topic, (await this.ctx.serde.decode(message.value ?? Buffer.alloc(0))).value);
        } catch (err) {
          this.undecodable.push(`${where}: ${(err as Error).message}`);
        }
      },
    });
  }

  job(jobId: string): JobView {
    let view = this.jobs.get(jobId);
    if (!view) {
      view = { completions: [], failures: [] };
      this.jobs.set(jobId, view);
    }
    return view;
  }

  private apply(topic: string, value: unknown): void {
    const { topics } = this.ctx;
    if (topic === topics.segments) this.segments.push(value as AudioSegment);
    else if (topic === topics.results) this.results.push(value as SegmentTranscribed);
    else if (topic === topics.segmentsFailed) this.deadLetters.push(value as SegmentFailed);
    else if (topic === topics.jobs) {
      const ev = readJobEvent(value);
      if (ev.type === "JobRequested") this.job(ev.event.jobId).sourceName = ev.event.sourceName;
      else if (ev.type === "JobSegmented") this.job(ev.event.jobId).segmentCount = ev.event.segmentCount;
      else if (ev.type === "JobCompleted") this.job(ev.event.jobId).completions.push(ev.event);
      else if (ev.type === "JobFailed") this.job(ev.event.jobId).failures.push(`${ev.event.reason}: ${ev.event.message}`);
    }
  }

  /** The latest JobCompleted of a job, if any. */
  latest(jobId: string): JobCompleted | undefined {
    return this.jobs.get(jobId)?.completions.at(-1);
  }

  /** Distinct segment ids with a result. */
  transcribedIds(): Set<string> {
    return new Set(this.results.map((r) => r.segmentId));
  }

  private restartSoon(): void {
    setTimeout(() => {
      if (this.stopped) return;
      const failed = this.consumer;
      this.start().catch(() => {
        void failed?.disconnect().catch(() => {});
        this.restartSoon();
      });
    }, 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => {});
  }
}
