// Backpressure for outages: a partition whose write or read fails stops
// fetching instead of piling up records it cannot write, and the flush timer
// retries it with backoff (flush-timer.ts). Uncommitted records are simply read
// again if the process dies meanwhile. asr.results partitions pause in their
// writer; this keeps the pauses of asr.jobs and asr.segments.failed partitions,
// which have no writer, and the log line and gauge of every pause.

import type { Logger, RetryPolicy } from "@lingostream/runtime";
import type { Consumer } from "kafkajs";
import type { SinkMetrics } from "./metrics.ts";
import { consumerFetch, PartitionPause, type PausablePartition } from "./partition-pause.ts";
import type { PartitionWriter } from "./partition-writer.ts";

export interface PartitionPausesOptions {
  consumer: Pick<Consumer, "pause" | "resume">;
  metrics: SinkMetrics;
  logger: Logger;
  retryPolicy: RetryPolicy;
  clock: () => number;
  /** The asr.results writers now assigned: a pause of one retired meanwhile is dropped. */
  writers(): Iterable<PartitionWriter>;
  isCurrent(writer: PartitionWriter): boolean;
}

export class PartitionPauses {
  private readonly options: PartitionPausesOptions;
  /** Paused partitions of asr.jobs and asr.segments.failed by "topic:partition". */
  private readonly unbuffered = new Map<string, PartitionPause>();

  constructor(options: PartitionPausesOptions) {
    this.options = options;
  }

  pause(paused: PausablePartition, err: unknown, offset?: string, records?: number): void {
    // A writer retired by a rebalance meanwhile owes nothing: the partition's owner reads again from the committed offset.
    if (isWriter(paused) && !this.options.isCurrent(paused)) return;
    const retryInMs = paused.pause();
    this.updateGauge();
    const { topic, partition, failures } = paused;
    this.options.logger.error({ err, topic, partition, offset, bufferedRecords: records, failures, retryInMs }, "writes failing; partition paused");
  }

  resume(paused: PausablePartition): void {
    paused.resume();
    this.updateGauge();
    this.options.logger.info({ topic: paused.topic, partition: paused.partition }, "partition resumed");
  }

  /** The pause of an asr.jobs or asr.segments.failed partition, made on its first failure. */
  unbufferedPartition(topic: string, partition: number): PartitionPause {
    const key = `${topic}:${partition}`;
    let paused = this.unbuffered.get(key);
    if (!paused) {
      const { consumer, retryPolicy, clock } = this.options;
      paused = new PartitionPause(topic, partition, consumerFetch(consumer, topic, partition), retryPolicy, clock);
      this.unbuffered.set(key, paused);
    }
    return paused;
  }

  isUnbufferedPaused(topic: string, partition: number): boolean {
    return this.unbuffered.has(`${topic}:${partition}`);
  }

  /** Nothing is buffered for these: once the wait is over, fetching simply retries the record. */
  resumeDueUnbuffered(now: number): void {
    for (const [key, paused] of [...this.unbuffered]) {
      if (!paused.isDue(now)) continue;
      this.unbuffered.delete(key);
      this.resume(paused);
    }
  }

  /** After a rebalance every partition starts again from its committed offset, unpaused (writers lift their own). */
  reset(): void {
    for (const paused of this.unbuffered.values()) paused.lift();
    this.unbuffered.clear();
    this.updateGauge();
  }

  updateGauge(): void {
    let paused = this.unbuffered.size;
    for (const writer of this.options.writers()) if (writer.paused) paused += 1;
    this.options.metrics.pausedPartitions.set(paused);
  }
}

function isWriter(paused: PausablePartition): paused is PartitionWriter {
  return "rotate" in paused;
}
