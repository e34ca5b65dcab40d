// The asr.results writers of the partitions this task is assigned, one each,
// with the lock that serializes writer work on a partition (batches, timed
// rotations, the drain) and the memory quota they share: all buffers together
// stay under it, and so does each tenant's part of it.

import type { Logger } from "@lingostream/runtime";
import type { Consumer } from "kafkajs";
import type { ResolvedSinkOptions } from "./config.ts";
import { RetiredWriter } from "./errors.ts";
import { KeyedMutex } from "./keyed-mutex.ts";
import type { JobRef } from "./keys.ts";
import type { SinkMetrics } from "./metrics.ts";
import { consumerFetch } from "./partition-pause.ts";
import type { PartitionPauses } from "./partition-pauses.ts";
import { PartitionWriter, type RotateReason } from "./partition-writer.ts";
import type { SinkStorage } from "./storage.ts";
import { bufferedByTenant, tenantOverShare } from "./tenant-share.ts";

export interface PartitionWritersOptions {
  topic: string;
  opts: ResolvedSinkOptions;
  storage: SinkStorage;
  consumer: Pick<Consumer, "commitOffsets" | "pause" | "resume">;
  metrics: SinkMetrics;
  logger: Logger;
  pauses(): PartitionPauses;
  /** Runs after a rotation's objects are written and before its commit: the job completion. */
  afterWrite(partition: number, jobs: JobRef[]): Promise<void>;
}

export class PartitionWriters {
  private readonly options: PartitionWritersOptions;
  private readonly writers = new Map<number, PartitionWriter>();
  private readonly locks = new KeyedMutex();

  constructor(options: PartitionWritersOptions) {
    this.options = options;
  }

  values(): IterableIterator<PartitionWriter> {
    return this.writers.values();
  }

  get(partition: number): PartitionWriter | undefined {
    return this.writers.get(partition);
  }

  /** Still the writer of its partition: not retired by a rebalance. */
  isCurrent(writer: PartitionWriter): boolean {
    return this.writers.get(writer.partition) === writer;
  }

  /** Runs writer work on a partition after the work already queued on it. */
  locked<T>(partition: number, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(String(partition), fn);
  }

  writerFor(partition: number): PartitionWriter {
    const existing = this.writers.get(partition);
    if (existing) return existing;
    const { topic, opts, storage, consumer } = this.options;
    const created: PartitionWriter = new PartitionWriter({
      topic,
      partition,
      storage,
      clock: opts.clock,
      retryPolicy: opts.retryPolicy,
      uploadConcurrency: opts.uploadConcurrency,
      fetch: consumerFetch(consumer, topic, partition),
      limits: {
        maxRecords: opts.flushRecords,
        // No single buffer may take more than the whole quota.
        maxBytes: Math.min(opts.flushBytes, opts.maxBufferBytes),
        maxAgeMs: opts.flushIntervalMs,
      },
      afterWrite: (jobs) => this.options.afterWrite(partition, jobs),
      commit: async (offset) => {
        if (!this.isCurrent(created)) throw new RetiredWriter(`partition ${partition} was reassigned`);
        await consumer.commitOffsets([{ topic, partition, offset }]);
      },
    });
    this.writers.set(partition, created);
    return created;
  }

  /** Rotates under the caller's partition lock; false when the rotation failed and the partition is now paused. */
  async rotate(writer: PartitionWriter, reason: RotateReason): Promise<boolean> {
    const { metrics, logger } = this.options;
    const started = performance.now();
    const records = writer.bufferedRecords;
    try {
      const outcome = await writer.rotate(reason);
      if (outcome) {
        metrics.flushes.inc({ reason, outcome: "ok" });
        metrics.flushDuration.observe({ reason }, (performance.now() - started) / 1000);
        logger.debug({ topic: writer.topic, partition: writer.partition, ...outcome, jobs: outcome.jobs.length }, "buffer rotated and committed");
      }
      return true;
    } catch (err) {
      if (err instanceof RetiredWriter) return false;
      metrics.flushes.inc({ reason, outcome: "failed" });
      this.options.pauses().pause(writer, err, undefined, records);
      return false;
    } finally {
      this.updateGauge();
    }
  }

  /** Takes the partition's lock and rotates, unless the writer was retired or owes nothing meanwhile. */
  rotateLocked(writer: PartitionWriter, reason: RotateReason): Promise<boolean> {
    return this.locked(writer.partition, async () => {
      if (!this.isCurrent(writer) || writer.state !== "buffering") return true;
      return this.rotate(writer, reason);
    });
  }

  totalBufferedBytes(): number {
    let total = 0;
    for (const writer of this.writers.values()) total += writer.bufferedBytes;
    return total;
  }

  /** All buffers together past the quota (a share of the process's memory limit). */
  overQuota(): boolean {
    return this.totalBufferedBytes() > this.options.opts.maxBufferBytes;
  }

  /** A tenant past its part of the quota, if any. */
  overShareTenant(): string | undefined {
    return tenantOverShare(bufferedByTenant(this.writers.values()), this.options.opts.maxBufferBytes, this.options.opts.tenants);
  }

  updateGauge(): void {
    this.options.metrics.bufferBytes.set(this.totalBufferedBytes());
  }

  /**
   * kafkajs restarts every assigned partition from its committed offset after a
   * rebalance, so whatever was buffered will be delivered again: the buffers
   * are dropped and pauses lifted rather than written twice or kept forever.
   */
  discardAll(): void {
    for (const writer of this.writers.values()) writer.discard();
    this.writers.clear();
    this.updateGauge();
  }

  /** Settles once the batches in hand are through: each partition's lock is taken once. */
  async settle(): Promise<void> {
    for (const writer of [...this.writers.values()]) await this.locked(writer.partition, async () => {});
  }

  /**
   * Writes and commits every buffer, each under its partition lock. A buffer
   * that cannot be written is dropped; its records were never committed and
   * are read again by the next owner.
   */
  async drain(): Promise<void> {
    for (const writer of [...this.writers.values()]) {
      await this.locked(writer.partition, async () => {
        try {
          await writer.rotate("drain");
        } catch (err) {
          this.options.logger.warn({ err, topic: writer.topic, partition: writer.partition }, "could not drain buffer; it will be replayed");
        }
      });
    }
  }

  clear(): void {
    this.writers.clear();
    this.updateGauge();
  }
}
