// The sink task: the Kafka lifecycle around the writers. One consumer group on
// asr.results, asr.jobs and asr.segments.failed; offsets are committed by hand,
// each only after what it covers is durable in S3.

import { appendJobEvent, type Logger, type ServiceContext } from "@lingostream/runtime";
import type { Consumer, EachBatchPayload, KafkaMessage, Producer } from "kafkajs";
import { AudioCleanup } from "./audio-cleanup.ts";
import { AudioSweeper } from "./audio-sweep.ts";
import type { ResolvedSinkOptions } from "./config.ts";
import { BadRecord, classifyRecordError, RetiredWriter } from "./errors.ts";
import { readDeadLetter, readJobEvent, readSegmentResult } from "./events.ts";
import { toJson } from "./format.ts";
import { type CompletedJob, type CompletionOutcome, JobCompletion } from "./job-completion.ts";
import { JobLedger, type LedgerOutcome } from "./job-ledger.ts";
import { KeyedMutex } from "./keyed-mutex.ts";
import type { SinkMetrics } from "./metrics.ts";
import { PartitionBackoff } from "./partition-backoff.ts";
import { PartitionWriter, type ResultRecord, type RotateReason } from "./partition-writer.ts";
import type { SinkStorage } from "./storage.ts";
import { bufferedByTenant, tenantOverShare } from "./tenant-share.ts";

/** A partition that can be paused: an asr.results writer, or a partition of the topics read without a buffer. */
interface PausablePartition {
  readonly topic: string;
  readonly partition: number;
  readonly backoff: PartitionBackoff;
}

export class SinkTask {
  private readonly ctx: ServiceContext;
  private readonly opts: ResolvedSinkOptions;
  private readonly logger: Logger;
  private readonly metrics: SinkMetrics;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly completion: JobCompletion;
  private readonly ledger: JobLedger;
  private readonly storage: SinkStorage;
  /** Deletes kept audio once its retention has passed. */
  private readonly sweeper: AudioSweeper;
  /** Aborts S3 retry waits: at the drain deadline, and once stopped. */
  private readonly abort: AbortController;
  private readonly writers = new Map<number, PartitionWriter>();
  /** Writer work on one partition is serialized: batches, timed rotations and drains. */
  private readonly partitionLocks = new KeyedMutex();
  /** Paused partitions of asr.jobs and asr.segments.failed by "topic:partition"; asr.results partitions pause in their writer. */
  private readonly pausedUnbuffered = new Map<string, PausablePartition>();
  private heartbeat: () => Promise<void> = async () => {};
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private draining = false;
  private stopping: Promise<void> | undefined;
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
    this.storage = storage;
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
    this.ledger = new JobLedger(storage, this.completion);
    this.sweeper = new AudioSweeper({
      storage,
      logger,
      metrics,
      expire: (job, entryKey) => this.completion.expireAudio(job, entryKey),
      intervalMs: opts.audioSweepIntervalMs,
      clock: opts.clock,
    });
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
      void this.shutdown(false).then(() => this.fail(e.payload.error));
    });
    await this.consumer.run({
      autoCommit: false,
      // Offsets are resolved one by one as records are taken, so a batch cut
      // short by a pause resumes exactly where it stopped.
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.onBatch(payload),
    });
    const every = Math.max(10, Math.min(1000, Math.floor(this.opts.flushIntervalMs / 2)));
    this.timer = setInterval(() => void this.tick(), every);
    this.sweeper.start();
  }

  stop(): Promise<void> {
    return this.shutdown(true).then(() => this.settle());
  }

  // ---- rebalances ----

  /**
   * kafkajs restarts every assigned partition from its committed offset after a
   * rebalance, so whatever was buffered will be delivered again: the buffers
   * are dropped and pauses lifted rather than written twice or kept forever.
   */
  private onGroupJoin(assignment: Record<string, number[]>): void {
    const paused: { topic: string; partition: number }[] = [];
    for (const writer of this.writers.values()) {
      if (writer.backoff.paused) paused.push(writer);
      writer.discard();
    }
    this.writers.clear();
    for (const unbuffered of this.pausedUnbuffered.values()) {
      unbuffered.backoff.clear();
      paused.push(unbuffered);
    }
    this.pausedUnbuffered.clear();
    this.metrics.pausedPartitions.set(0);
    this.updateBufferGauge();
    for (const { topic, partition } of paused) this.consumer.resume([{ topic, partitions: [partition] }]);
    this.logger.info({ assignment }, "partitions assigned; buffers start again from committed offsets");
  }

  // ---- batches ----

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    this.heartbeat = payload.heartbeat;
    const { topic, partition } = payload.batch;
    // A batch fetched before its partition was paused: leave it unresolved, it is fetched again on resume.
    if (this.draining || this.isPaused(topic, partition)) return;
    await this.withHeartbeat(async () => {
      if (topic === this.ctx.topics.results) await this.onResultsBatch(payload);
      else await this.onJobsOrFailuresBatch(payload);
    });
  }

  private async onResultsBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, isRunning, isStale } = payload;
    const { partition } = batch;
    await this.partitionLocks.run(String(partition), async () => {
      const writer = this.writerFor(partition);
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || this.draining || this.writers.get(partition) !== writer) break;
        let record: ResultRecord | undefined;
        try {
          record = await this.toResultRecord(batch.topic, partition, message);
        } catch (err) {
          const classified = classifyRecordError(err);
          if (!(classified instanceof BadRecord)) {
            this.pause(writer, classified, message.offset);
            return;
          }
          this.countBad(batch.topic, partition, message, classified);
          writer.skip(message.offset);
          resolveOffset(message.offset);
          continue;
        }
        if (writer.append(record)) this.metrics.records.inc({ topic: batch.topic });
        resolveOffset(message.offset);
        this.updateBufferGauge();
        // Backpressure: a full buffer is written out before one more record is
        // taken; if the write fails the partition is paused (see rotate) and
        // this batch ends here, so memory stays at one buffer per partition.
        if (writer.isFull() && !(await this.rotate(writer, writer.dueReason() ?? "bytes"))) return;
        // The memory backpressure contract as the sink applies it: all buffers
        // together stay under the quota (a share of the process's memory limit);
        // past it the fullest goes out early rather than the partition pausing,
        // since writing is what frees the memory.
        if (this.totalBufferedBytes() > this.opts.maxBufferBytes && !(await this.rotate(writer, "quota"))) return;
        // The record's tenant past its part of the quota: its buffer here goes out early (the others at the next tick).
        if (this.overShareTenant() === record.job.tenant && !(await this.rotate(writer, "quota"))) return;
      }
      const due = writer.dueReason(this.opts.clock());
      if (due) await this.rotate(writer, due);
    });
  }

  private async toResultRecord(topic: string, partition: number, message: KafkaMessage): Promise<ResultRecord> {
    if (!message.value) throw new BadRecord("empty", "message has no value");
    const decoded = await this.ctx.serde.decodeAs("results", message.value);
    const result = readSegmentResult(decoded.value);
    this.logger.trace({ topic, partition, offset: message.offset, jobId: result.jobId, segmentId: result.segmentId }, "result buffered");
    return {
      offset: message.offset,
      timestamp: message.timestamp,
      key: message.key ? message.key.toString("utf8") : null,
      job: { tenant: result.tenant, jobId: result.jobId },
      index: result.index,
      valueJson: toJson(decoded.value),
    };
  }

  /** asr.jobs and asr.segments.failed are small: each record is handled, then its offset committed at the batch end. */
  private async onJobsOrFailuresBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    let last: string | undefined;
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.draining) break;
      try {
        const outcome = await this.handleJobRecord(topic, message);
        this.logOutcome(topic, partition, message.offset, outcome);
        this.metrics.records.inc({ topic });
      } catch (err) {
        const classified = classifyRecordError(err);
        if (!(classified instanceof BadRecord)) {
          this.pause(this.unbufferedPartition(topic, partition), classified, message.offset);
          break;
        }
        this.countBad(topic, partition, message, classified);
      }
      resolveOffset(message.offset);
      last = message.offset;
    }
    if (last === undefined) return;
    try {
      await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]);
    } catch (err) {
      // What was handled is durable; the next commit of this partition covers it.
      this.logger.warn({ err, topic, partition, offset: last }, "offset commit failed; it will be covered by the next one");
    }
  }

  private async handleJobRecord(topic: string, message: KafkaMessage): Promise<LedgerOutcome> {
    if (!message.value) throw new BadRecord("empty", "message has no value");
    if (topic === this.ctx.topics.jobs) {
      const decoded = await this.ctx.serde.decodeAs("jobs", message.value);
      return this.ledger.onJobEvent(readJobEvent(decoded.value));
    }
    const decoded = await this.ctx.serde.decodeAs("segmentsFailed", message.value);
    const outcome = await this.ledger.onDeadLetter(readDeadLetter(decoded.value));
    if (outcome.recorded === "ignored") this.metrics.badRecords.inc({ topic, reason: "unattributed" });
    return outcome;
  }

  // ---- rotation, pausing and the timer ----

  private writerFor(partition: number): PartitionWriter {
    let writer = this.writers.get(partition);
    if (writer) return writer;
    const topic = this.ctx.topics.results;
    const created: PartitionWriter = new PartitionWriter({
      topic,
      partition,
      storage: this.storage,
      clock: this.opts.clock,
      retryPolicy: this.opts.retryPolicy,
      uploadConcurrency: this.opts.uploadConcurrency,
      limits: {
        maxRecords: this.opts.flushRecords,
        // No single buffer may take more than the whole quota.
        maxBytes: Math.min(this.opts.flushBytes, this.opts.maxBufferBytes),
        maxAgeMs: this.opts.flushIntervalMs,
      },
      afterWrite: async (jobs) => {
        for (const job of jobs) this.logCompletion(topic, partition, job.jobId, await this.completion.check(job));
      },
      commit: async (offset) => {
        if (this.writers.get(partition) !== created) throw new RetiredWriter(`partition ${partition} was reassigned`);
        await this.consumer.commitOffsets([{ topic, partition, offset }]);
      },
    });
    writer = created;
    this.writers.set(partition, writer);
    return writer;
  }

  /** Rotates under the caller's partition lock; false when the rotation failed and the partition is now paused. */
  private async rotate(writer: PartitionWriter, reason: RotateReason): Promise<boolean> {
    const started = performance.now();
    const records = writer.bufferedRecords;
    try {
      const outcome = await writer.rotate(reason);
      if (outcome) {
        this.metrics.flushes.inc({ reason, outcome: "ok" });
        this.metrics.flushDuration.observe({ reason }, (performance.now() - started) / 1000);
        this.logger.debug({ topic: writer.topic, partition: writer.partition, ...outcome, jobs: outcome.jobs.length }, "buffer rotated and committed");
      }
      return true;
    } catch (err) {
      if (err instanceof RetiredWriter) return false;
      this.metrics.flushes.inc({ reason, outcome: "failed" });
      this.pause(writer, err, undefined, records);
      return false;
    } finally {
      this.updateBufferGauge();
    }
  }

  /**
   * Backpressure for outages: the partition stops fetching instead of piling up
   * records it cannot write. The timer retries with backoff and resumes it once
   * its buffer is written; uncommitted records are simply read again if the
   * process dies meanwhile.
   */
  private pause(paused: PausablePartition, err: unknown, offset?: string, records?: number): void {
    // A writer retired by a rebalance meanwhile owes nothing: the partition's owner reads again from the committed offset.
    if (paused instanceof PartitionWriter && this.writers.get(paused.partition) !== paused) return;
    const { topic, partition, backoff } = paused;
    const retryInMs = backoff.fail();
    this.consumer.pause([{ topic, partitions: [partition] }]);
    this.updatePausedGauge();
    this.logger.error({ err, topic, partition, offset, bufferedRecords: records, failures: backoff.failures, retryInMs }, "writes failing; partition paused");
  }

  private resume(paused: PausablePartition): void {
    const { topic, partition, backoff } = paused;
    backoff.clear();
    this.consumer.resume([{ topic, partitions: [partition] }]);
    this.updatePausedGauge();
    this.logger.info({ topic, partition }, "partition resumed");
  }

  private isPaused(topic: string, partition: number): boolean {
    if (topic === this.ctx.topics.results) return this.writers.get(partition)?.backoff.paused ?? false;
    return this.pausedUnbuffered.has(`${topic}:${partition}`);
  }

  private unbufferedPartition(topic: string, partition: number): PausablePartition {
    const key = `${topic}:${partition}`;
    let paused = this.pausedUnbuffered.get(key);
    if (!paused) {
      paused = { topic, partition, backoff: new PartitionBackoff(this.opts.retryPolicy, this.opts.clock) };
      this.pausedUnbuffered.set(key, paused);
    }
    return paused;
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.draining) return;
    this.ticking = true;
    try {
      const now = this.opts.clock();
      for (const writer of [...this.writers.values()]) {
        if (!writer.backoff.isDue(now)) continue;
        const ok = await this.withHeartbeat(() => this.partitionLocks.run(String(writer.partition), () => this.rotate(writer, "retry")));
        // rotate() paused again on failure with a longer backoff; on success
        // fetching resumes where it stopped, unless a rebalance retired the writer meanwhile.
        if (ok && this.writers.get(writer.partition) === writer && writer.backoff.paused) this.resume(writer);
      }
      // Nothing is buffered for these: once the wait is over, fetching simply retries the record.
      for (const [key, unbuffered] of [...this.pausedUnbuffered]) {
        if (!unbuffered.backoff.isDue(now)) continue;
        this.pausedUnbuffered.delete(key);
        this.resume(unbuffered);
      }
      for (const writer of [...this.writers.values()]) {
        if (writer.backoff.paused) continue;
        const reason = writer.dueReason(this.opts.clock());
        if (reason) await this.withHeartbeat(() => this.partitionLocks.run(String(writer.partition), () => this.rotateIfCurrent(writer, reason)));
      }
      // Result-memory quota: past it, the fullest buffers are written early.
      const byBytes = [...this.writers.values()].sort((a, b) => b.bufferedBytes - a.bufferedBytes);
      for (const writer of byBytes) {
        if (this.totalBufferedBytes() <= this.opts.maxBufferBytes) break;
        if (writer.backoff.paused) continue;
        await this.withHeartbeat(() => this.partitionLocks.run(String(writer.partition), () => this.rotateIfCurrent(writer, "quota")));
      }
      // A tenant past its part of the quota: its fullest buffers are written early, until it is back within it.
      for (let over = this.overShareTenant(); over !== undefined; ) {
        const tenant = over;
        const holder = [...this.writers.values()]
          .filter((w) => !w.backoff.paused && (w.bufferedByTenant.get(tenant) ?? 0) > 0)
          .sort((a, b) => (b.bufferedByTenant.get(tenant) ?? 0) - (a.bufferedByTenant.get(tenant) ?? 0))[0];
        if (holder === undefined) break;
        await this.withHeartbeat(() => this.partitionLocks.run(String(holder.partition), () => this.rotateIfCurrent(holder, "quota")));
        const next = this.overShareTenant();
        // A rotation that did not happen (a paused partition, a failed write) must not spin.
        if (next === tenant && (holder.bufferedByTenant.get(tenant) ?? 0) > 0) break;
        over = next;
      }
    } catch (err) {
      this.logger.error({ err }, "sink timer failed");
    } finally {
      this.ticking = false;
    }
  }

  private async rotateIfCurrent(writer: PartitionWriter, reason: RotateReason): Promise<boolean> {
    if (this.writers.get(writer.partition) !== writer || writer.state !== "buffering") return true;
    return this.rotate(writer, reason);
  }

  // ---- completion ----

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

  private logCompletion(topic: string, partition: number, jobId: string, outcome: CompletionOutcome): void {
    if (outcome.status !== "completed") {
      this.logger.debug({ topic, partition, jobId, ...outcome }, "job checked");
      return;
    }
    const { transcript } = outcome;
    this.logger.info(
      { topic, partition, jobId, segmentCount: transcript.segmentCount, failedCount: transcript.failedCount, keys: transcript.keys },
      "job completed",
    );
  }

  private logOutcome(topic: string, partition: number, offset: string, outcome: LedgerOutcome): void {
    if (outcome.recorded === "ignored") {
      this.logger.debug({ topic, partition, offset, reason: outcome.reason }, "record ignored");
      return;
    }
    this.logger.debug({ topic, partition, offset, jobId: outcome.job.jobId, recorded: outcome.recorded }, "job record handled");
    if ("completion" in outcome && outcome.completion) this.logCompletion(topic, partition, outcome.job.jobId, outcome.completion);
  }

  // ---- helpers ----

  private countBad(topic: string, partition: number, message: KafkaMessage, bad: BadRecord): void {
    this.metrics.badRecords.inc({ topic, reason: bad.reason });
    const key = message.key ? message.key.toString("utf8").slice(0, 128) : null;
    this.logger.warn({ topic, partition, offset: message.offset, key, reason: bad.reason, err: bad.cause }, "bad record skipped");
  }

  private overShareTenant(): string | undefined {
    return tenantOverShare(bufferedByTenant(this.writers.values()), this.opts.maxBufferBytes, this.opts.tenants);
  }

  private totalBufferedBytes(): number {
    let total = 0;
    for (const writer of this.writers.values()) total += writer.bufferedBytes;
    return total;
  }

  private updateBufferGauge(): void {
    this.metrics.bufferBytes.set(this.totalBufferedBytes());
  }

  private updatePausedGauge(): void {
    let paused = this.pausedUnbuffered.size;
    for (const writer of this.writers.values()) if (writer.backoff.paused) paused += 1;
    this.metrics.pausedPartitions.set(paused);
  }

  /** kafkajs heartbeats only between batches; long S3 work keeps the membership alive itself. */
  private async withHeartbeat<T>(fn: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      // A failed heartbeat means a rebalance is under way; kafkajs handles it after this batch.
      this.heartbeat().catch(() => {});
    }, this.opts.heartbeatIntervalMs);
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  }

  // ---- shutdown ----

  /**
   * Drain: stop fetching, write and commit every buffer (each under its
   * partition lock, so in-flight batches finish first), then leave the group.
   * A buffer that cannot be written is dropped; its records were never
   * committed and are read again by the next owner.
   */
  private shutdown(drain: boolean): Promise<void> {
    this.stopping ??= (async () => {
      this.draining = true;
      if (this.timer) clearInterval(this.timer);
      // An S3 outage must not hold shutdown hostage: past the deadline, retries stop and buffers are dropped.
      const deadline = setTimeout(() => this.abort.abort(new Error("drain deadline passed")), this.opts.drainTimeoutMs);
      // A sweep in flight ends at its next entry (or when the S3 waits are aborted below); an unfinished one is done by the next sweep.
      const swept = this.sweeper.stop();
      if (drain) {
        const topics = [this.ctx.topics.results, this.ctx.topics.jobs, this.ctx.topics.segmentsFailed];
        this.consumer.pause(topics.map((topic) => ({ topic })));
        for (const writer of [...this.writers.values()]) {
          await this.partitionLocks.run(String(writer.partition), async () => {
            try {
              await writer.rotate("drain");
            } catch (err) {
              this.logger.warn({ err, topic: writer.topic, partition: writer.partition }, "could not drain buffer; it will be replayed");
            }
          });
        }
      }
      clearTimeout(deadline);
      this.abort.abort(new Error("sink stopped"));
      await swept;
      this.writers.clear();
      this.updateBufferGauge();
      await this.consumer.disconnect().catch((err: unknown) => this.logger.warn({ err }, "consumer disconnect failed"));
      await this.producer.disconnect().catch((err: unknown) => this.logger.warn({ err }, "producer disconnect failed"));
      this.logger.info("S3 sink stopped");
    })();
    return this.stopping;
  }
}
