// A bounded read of one or more topics for a period (see scan-admin.ts for the
// bounds). With `timeOf`, items come out in event-time order across all
// partitions (TimeMerge), with partitions that run ahead paused; without it,
// in the order read, each partition in offset order (ArrivalOrder).
//
// kafkajs has no manual assignment, so the scan uses a consumer group of its
// own, commits nothing and deletes the group when done.

import { classifyKafkaError, type Logger, PipelineError } from "@lingostream/runtime";
import type { Consumer, Kafka, KafkaMessage } from "kafkajs";
import { ArrivalOrder, type ScanOrdering } from "./arrival-order.ts";
import { deleteScanGroup, logStartOffsets, type PartitionBounds, partitionBounds } from "./scan-admin.ts";
import { partitionKey, ScanProgress } from "./scan-progress.ts";
import { StallWatchdog } from "./stall-watchdog.ts";
import { TimeMerge } from "./time-merge.ts";

export interface TopicScanOptions<T> {
  kafka: Kafka;
  topics: readonly string[];
  /** Unique to this scan; deleted at the end. */
  groupId: string;
  /** Epoch ms; default: from each partition's earliest offset. */
  since?: number;
  /** Epoch ms, exclusive; default: up to the end offsets at the start. */
  until?: number;
  /** undefined skips the message (a tombstone, a record of no interest). */
  decode: (topic: string, message: KafkaMessage) => Promise<T | undefined>;
  /** Event time of an item, to merge partitions into one timeline; omitted: items go out as read, nothing held back. */
  timeOf?: (item: T) => number;
  onItem: (item: T) => void;
  /** Items a partition may have waiting before it is paused (default 2000; only with timeOf). */
  highWater?: number;
  /** No partition made progress for this long, ms (default 60 000): see onStall. */
  stallTimeoutMs?: number;
  /** "fail" (default) throws on a stall; "stop" ends the scan with what was read and names the unfinished partitions in `incomplete`. */
  onStall?: "fail" | "stop";
  brokers?: string[];
  logger?: Logger;
  signal?: AbortSignal;
}

export interface TopicScanResult {
  /** Messages read within the bounds. */
  messages: number;
  /** Messages decode() turned into items. */
  items: number;
  /** Partitions that had anything in the period. */
  partitions: number;
  /** "topic:partition" of each partition a stall stopped before its end (onStall "stop"). */
  incomplete: string[];
}

export async function scanTopics<T>(options: TopicScanOptions<T>): Promise<TopicScanResult> {
  const bounds = await partitionBounds(options);
  const progress = new ScanProgress(bounds);
  const result: TopicScanResult = { messages: 0, items: 0, partitions: progress.active.length, incomplete: [] };
  if (progress.active.length === 0) return result;

  const consumer: Consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  const scan = new TopicScan(options, consumer, progress, result);
  const watchdog = setInterval(() => scan.watch(), 1000);
  watchdog.unref();
  const onAbort = () => scan.finish(new PipelineError("aborted", "scan aborted"));
  options.signal?.addEventListener("abort", onAbort, { once: true });

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) scan.finish(classifyKafkaError(event.payload.error, options.brokers ?? []));
    });
    await consumer.run({
      autoCommit: false,
      // Every partition's batch handled at once: a partition waiting on the merge never blocks another's fetch.
      partitionsConsumedConcurrently: Math.min(bounds.length, 16),
      eachBatch: async ({ batch }) => {
        try {
          await scan.onBatch(batch.topic, batch.partition, batch.messages, batch.lastOffset());
        } catch (err) {
          scan.finish(err);
        }
      },
    });
    for (const b of bounds) {
      consumer.seek({ topic: b.topic, partition: b.partition, offset: b.start.toString() });
      if (b.end <= b.start) scan.pause(b);
    }
    await scan.finished;
    return result;
  } catch (err) {
    throw err instanceof PipelineError ? err : classifyKafkaError(err, options.brokers ?? []);
  } finally {
    clearInterval(watchdog);
    options.signal?.removeEventListener("abort", onAbort);
    await consumer.disconnect().catch((err: unknown) => options.logger?.warn({ err }, "error disconnecting the scan consumer"));
    await deleteScanGroup(options.kafka, options.groupId, options.logger);
  }
}

/** One running scan: takes batches into the ordering, releases what it may, and keeps partitions paused or running to match. */
class TopicScan<T> {
  readonly finished: Promise<void>;
  private readonly options: TopicScanOptions<T>;
  private readonly consumer: Consumer;
  private readonly progress: ScanProgress;
  private readonly result: TopicScanResult;
  private readonly ordering: ScanOrdering<T>;
  private readonly stall: StallWatchdog;
  /** Partitions paused because they ran ahead of the merge. */
  private readonly flowPaused = new Set<string>();
  private checkingLogStarts = false;
  private settle: (err?: unknown) => void = () => {};

  constructor(options: TopicScanOptions<T>, consumer: Consumer, progress: ScanProgress, result: TopicScanResult) {
    this.options = options;
    this.consumer = consumer;
    this.progress = progress;
    this.result = result;
    const streamIds = progress.active.map((b) => partitionKey(b.topic, b.partition));
    this.ordering = options.timeOf ? new TimeMerge<T>(streamIds, { timeOf: options.timeOf, highWater: options.highWater }) : new ArrivalOrder<T>(streamIds);
    this.stall = new StallWatchdog({ stallMs: options.stallTimeoutMs ?? 60_000, onStall: options.onStall ?? "fail" });
    this.finished = new Promise<void>((resolve, reject) => {
      this.settle = (err) => (err === undefined ? resolve() : reject(err));
    });
  }

  /** Ends the scan: resolved without an error, rejected with one. Later calls change nothing. */
  finish(err?: unknown): void {
    this.settle(err);
  }

  pause(b: Pick<PartitionBounds, "topic" | "partition">): void {
    this.consumer.pause([{ topic: b.topic, partitions: [b.partition] }]);
  }

  async onBatch(topic: string, partition: number, messages: KafkaMessage[], lastOffset: string): Promise<void> {
    const key = partitionKey(topic, partition);
    const take = this.progress.take(key, messages, lastOffset);
    if (!take) return;
    const items: T[] = [];
    for (const message of take.records) {
      const item = await this.options.decode(topic, message);
      if (item !== undefined) items.push(item);
    }
    // Ended while we decoded (its log start passed the end, or a stall stopped the scan): the batch is dropped.
    if (this.progress.ended(key)) return;
    const ended = this.progress.advance(key, take.reached);
    this.result.messages += take.records.length;
    this.result.items += items.length;
    this.ordering.push(key, items);
    if (ended) this.endPartition(key);
    this.stall.progressed();
    this.release();
  }

  /** Runs every second: a scan that stopped making progress is checked, stopped or failed. */
  watch(): void {
    const action = this.stall.check();
    if (action === "stop") this.stopStalled();
    else if (action === "fail") {
      const stallMs = this.options.stallTimeoutMs ?? 60_000;
      this.finish(new PipelineError("timeout", `reading ${this.options.topics.join(", ")} made no progress for ${Math.round(stallMs / 1000)} s`, { retriable: true }));
    } else if (action === "check-log-start" && !this.checkingLogStarts) {
      this.checkingLogStarts = true;
      this.endDeleted()
        .catch((err: unknown) => this.options.logger?.debug({ err }, "could not check the partitions' log start"))
        .finally(() => {
          this.checkingLogStarts = false;
        });
    }
  }

  /** Nothing more is read from the partition; it no longer holds the merge back. */
  private endPartition(key: string): void {
    this.progress.end(key);
    this.ordering.end(key);
    const b = this.progress.boundsOf(key);
    if (b) this.pause(b);
  }

  private release(): void {
    this.ordering.drain(this.options.onItem);
    this.flowControl();
    if (this.ordering.done) this.finish();
  }

  /** Pauses whoever runs ahead, resumes whoever drained to half the high water. */
  private flowControl(): void {
    for (const key of this.ordering.overfull()) {
      if (!this.flowPaused.has(key)) {
        this.flowPaused.add(key);
        const b = this.progress.boundsOf(key);
        if (b) this.pause(b);
      }
    }
    for (const key of this.flowPaused) {
      if (this.ordering.buffered(key) <= this.ordering.highWater / 2) {
        this.flowPaused.delete(key);
        const b = this.progress.boundsOf(key);
        if (b && !this.progress.ended(key)) this.consumer.resume([{ topic: b.topic, partitions: [b.partition] }]);
      }
    }
  }

  /**
   * Retention may delete the rest of a partition while we read: then its log
   * start passes our position and nothing more will come. Anything else that
   * stops progress for the stall timeout is an error, not a short report.
   */
  private async endDeleted(): Promise<void> {
    for (const o of await logStartOffsets(this.options.kafka, this.options.topics)) {
      const key = partitionKey(o.topic, o.partition);
      const b = this.progress.boundsOf(key);
      if (b && !this.progress.ended(key) && o.low >= b.end) this.endPartition(key);
    }
    this.releaseOrFail();
  }

  /** A stop keeps what was read: every unfinished partition ends where it got to. */
  private stopStalled(): void {
    for (const b of this.progress.unfinished()) {
      this.result.incomplete.push(`${b.topic}:${b.partition}`);
      this.endPartition(partitionKey(b.topic, b.partition));
    }
    this.releaseOrFail();
  }

  /** Outside a batch (from the timer), a throwing onItem ends the scan with its error. */
  private releaseOrFail(): void {
    try {
      this.release();
    } catch (err) {
      this.finish(err);
    }
  }
}
