// The sink task: the Kafka lifecycle around the writers. One consumer group on
// asr.results, asr.jobs and asr.segments.failed; offsets are committed by hand,
// each only after what it covers is durable in S3. The work is done by the
// intakes (results-intake.ts, job-records-intake.ts), the partition writers
// and the flush timer; this wires them to the consumer and stops them in order.

import { appendJobEvent, consumerStop, type Logger, type ServiceContext, withHeartbeat } from "@lingostream/runtime";
import type { Consumer, EachBatchPayload, Producer } from "kafkajs";
import { AudioCleanup } from "./audio-cleanup.ts";
import { AudioSweeper } from "./audio-sweep.ts";
import { logCompletion } from "./completion-log.ts";
import type { ResolvedSinkOptions } from "./config.ts";
import { FlushTimer } from "./flush-timer.ts";
import { type CompletedJob, JobCompletion } from "./job-completion.ts";
import { JobLedger } from "./job-ledger.ts";
import { JobRecordsIntake } from "./job-records-intake.ts";
import type { SinkMetrics } from "./metrics.ts";
import { PartitionPauses } from "./partition-pauses.ts";
import { PartitionWriters } from "./partition-writers.ts";
import { ResultsIntake } from "./results-intake.ts";
import type { SinkStorage } from "./storage.ts";

export class SinkTask {
  private readonly ctx: ServiceContext;
  private readonly opts: ResolvedSinkOptions;
  private readonly logger: Logger;
  private readonly metrics: SinkMetrics;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly completion: JobCompletion;
  /** Deletes kept audio once its retention has passed. */
  private readonly sweeper: AudioSweeper;
  /** Aborts S3 retry waits: at the drain deadline, and once stopped. */
  private readonly abort: AbortController;
  private readonly writers: PartitionWriters;
  private readonly pauses: PartitionPauses;
  private readonly results: ResultsIntake;
  private readonly jobRecords: JobRecordsIntake;
  private readonly timer: FlushTimer;
  /** The heartbeat of the latest batch: kafkajs hands one out with each. */
  private heartbeat: () => Promise<void> = async () => {};
  private draining = false;
  /** Whether stopping writes the buffers out (a stop) or drops them (a crash). */
  private drainOnStop = true;
  private readonly shutdown: () => Promise<void>;
  private settle!: () => void;
  private fail!: (err: unknown) => void;
  readonly done: Promise<void>;

  constructor(
    ctx: ServiceContext,
    opts: ResolvedSinkOptions,
    logger: Logger,
    metrics: SinkMetrics,
    storage: SinkStorage,
    consumer: Consumer,
    producer: Producer,
    abort: AbortController,
  ) {
    this.ctx = ctx;
    this.abort = abort;
    this.opts = opts;
    this.logger = logger;
    this.metrics = metrics;
    this.consumer = consumer;
    this.producer = producer;
    this.completion = new JobCompletion({
      storage,
      logger,
      publish: (job) => this.publishCompleted(job),
      audio: new AudioCleanup({ storage, logger, metrics, bucket: ctx.store.bucket }),
      failedAudioRetentionMs: opts.failedAudioRetentionMs,
      maxSegmentBytes: opts.maxSegmentObjectBytes,
      jobCacheSize: opts.jobCacheSize,
      cueOptions: opts.cueOptions,
      clock: opts.clock,
    });
    this.sweeper = new AudioSweeper({
      storage,
      logger,
      metrics,
      expire: (job, entryKey) => this.completion.expireAudio(job, entryKey),
      intervalMs: opts.audioSweepIntervalMs,
      clock: opts.clock,
    });
    const topic = ctx.topics.results;
    this.writers = new PartitionWriters({
      topic,
      opts,
      storage,
      consumer,
      metrics,
      logger,
      pauses: () => this.pauses,
      afterWrite: async (partition, jobs) => {
        for (const job of jobs) logCompletion(logger, topic, partition, job.jobId, await this.completion.check(job));
      },
    });
    this.pauses = new PartitionPauses({
      consumer,
      metrics,
      logger,
      retryPolicy: opts.retryPolicy,
      clock: opts.clock,
      writers: () => this.writers.values(),
      isCurrent: (writer) => this.writers.isCurrent(writer),
    });
    const draining = () => this.draining;
    this.results = new ResultsIntake({ ctx, writers: this.writers, pauses: this.pauses, metrics, logger, clock: opts.clock, draining });
    const ledger = new JobLedger(storage, this.completion);
    this.jobRecords = new JobRecordsIntake({ ctx, consumer, ledger, pauses: this.pauses, metrics, logger, draining });
    this.timer = new FlushTimer({
      writers: this.writers,
      pauses: this.pauses,
      logger,
      clock: opts.clock,
      flushIntervalMs: opts.flushIntervalMs,
      withHeartbeat: (work) => this.withHeartbeat(work),
    });
    this.shutdown = this.stopSequence();
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
    // Callers may never await done; a crash is logged either way.
    this.done.catch(() => {});
  }

  async run(): Promise<void> {
    const { events } = this.consumer;
    this.consumer.on(events.GROUP_JOIN, (e) => this.onGroupJoin(e.payload.memberAssignment));
    this.consumer.on(events.CRASH, (e) => {
      if (e.payload.restart) return;
      this.logger.error({ err: e.payload.error }, "sink consumer crashed and will not restart");
      this.drainOnStop = false;
      void this.shutdown().then(() => this.fail(e.payload.error));
    });
    await this.consumer.run({
      autoCommit: false,
      // Offsets are resolved one by one as records are taken, so a batch cut
      // short by a pause resumes exactly where it stopped.
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.timer.start();
    this.sweeper.start();
  }

  stop(): Promise<void> {
    return this.shutdown().then(() => this.settle());
  }

  /** kafkajs restarts every assigned partition from its committed offset after a rebalance: buffers and pauses start again. */
  private onGroupJoin(assignment: Record<string, number[]>): void {
    this.writers.discardAll();
    this.pauses.reset();
    this.logger.info({ assignment }, "partitions assigned; buffers start again from committed offsets");
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    this.heartbeat = payload.heartbeat;
    const { topic, partition } = payload.batch;
    const results = topic === this.ctx.topics.results;
    const paused = results ? (this.writers.get(partition)?.paused ?? false) : this.pauses.isUnbufferedPaused(topic, partition);
    // A batch fetched before its partition was paused: leave it unresolved, it is fetched again on resume.
    if (this.draining || paused) return;
    await this.withHeartbeat(() => (results ? this.results.onBatch(payload) : this.jobRecords.onBatch(payload)));
  }

  private withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
    // A failed heartbeat means a rebalance is under way; kafkajs handles it after this batch.
    return withHeartbeat(() => this.heartbeat(), this.opts.heartbeatIntervalMs, work);
  }

  private async publishCompleted(job: CompletedJob): Promise<void> {
    await appendJobEvent(this.ctx, this.producer, "JobCompleted", {
      tenant: job.tenant,
      jobId: job.jobId,
      segmentCount: job.segmentCount,
      transcribedCount: job.transcribedCount,
      failedCount: job.failedCount,
      transcriptKeys: job.transcriptKeys,
      producerId: this.ctx.instanceId,
      eventTime: Date.now(),
    });
    this.metrics.jobsCompleted.inc();
  }

  /**
   * Stop: no more fetching, the batches in hand finish (each partition's lock
   * is taken once), every buffer is written and committed, then the group is
   * left. After a crash nothing is drained: buffers are dropped and read again
   * by the next owner from the committed offsets.
   */
  private stopSequence(): () => Promise<void> {
    let deadline: NodeJS.Timeout | undefined;
    let swept: Promise<void> = Promise.resolve();
    return consumerStop({
      logger: this.logger,
      consumer: this.consumer,
      producer: this.producer,
      stopFetching: () => {
        this.draining = true;
        this.timer.stop();
        // An S3 outage must not hold shutdown hostage: past the deadline, retries stop and buffers are dropped.
        deadline = setTimeout(() => this.abort.abort(new Error("drain deadline passed")), this.opts.drainTimeoutMs);
        // A sweep in flight ends at its next entry (or when the S3 waits are aborted); an unfinished one is done by the next sweep.
        swept = this.sweeper.stop();
        if (this.drainOnStop) this.consumer.pause([this.ctx.topics.results, this.ctx.topics.jobs, this.ctx.topics.segmentsFailed].map((topic) => ({ topic })));
      },
      drain: () => (this.drainOnStop ? this.writers.settle() : Promise.resolve()),
      commit: async () => {
        if (this.drainOnStop) await this.writers.drain();
        // Nothing more is owed to S3: any wait still under way ends now.
        clearTimeout(deadline);
        this.abort.abort(new Error("sink stopped"));
      },
      release: async () => {
        await swept;
        this.writers.clear();
        this.logger.info("S3 sink stopped");
      },
    });
  }
}
