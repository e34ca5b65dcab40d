// A bounded read of one or more topics for a period: starts at the offsets of
// `since` (fetchTopicOffsetsByTimestamp), stops at the end offsets recorded when
// the scan began (or those of `until`), so a topic that keeps growing does not
// keep the scan going. With `timeOf`, items come out in event-time order across
// all partitions (TimeMerge), with partitions that run ahead paused; without it,
// in the order read, each partition in offset order.
//
// kafkajs has no manual assignment, so the scan uses a consumer group of its
// own, commits nothing and deletes the group when done.

import { randomBytes } from "node:crypto";
import type { Consumer, Kafka, KafkaMessage } from "kafkajs";
import { PipelineError, classifyKafkaError, fetchTopicOffsetsRetrying, type Logger, type ServiceContext } from "@lingostream/runtime";
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

interface Bounds {
  topic: string;
  partition: number;
  start: bigint;
  end: bigint;
}

/** What the scan needs of an ordering: the TimeMerge, or ArrivalOrder when there is no time to merge by. */
type Ordering<T> = Pick<TimeMerge<T>, "push" | "end" | "drain" | "overfull" | "buffered" | "highWater" | "done">;

export async function scanTopics<T>(options: TopicScanOptions<T>): Promise<TopicScanResult> {
  const bounds = await partitionBounds(options);
  const id = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  const byId = new Map(bounds.map((b) => [id(b.topic, b.partition), b]));
  const active = bounds.filter((b) => b.end > b.start);
  const result: TopicScanResult = { messages: 0, items: 0, partitions: active.length, incomplete: [] };
  if (active.length === 0) return result;

  const streamIds = active.map((b) => id(b.topic, b.partition));
  const merge: Ordering<T> = options.timeOf ? new TimeMerge<T>(streamIds, { timeOf: options.timeOf, highWater: options.highWater }) : new ArrivalOrder<T>(streamIds);
  const next = new Map(active.map((b) => [id(b.topic, b.partition), b.start]));
  const flowPaused = new Set<string>();
  const consumer: Consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  let finish: (err?: unknown) => void = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    finish = (err) => (err === undefined ? resolve() : reject(err));
  });
  let lastProgress = Date.now();
  const pause = (key: string) => {
    const b = byId.get(key)!;
    consumer.pause([{ topic: b.topic, partitions: [b.partition] }]);
  };
  /** Nothing more is read from the partition; it no longer holds the merge back. */
  const endPartition = (key: string) => {
    next.set(key, byId.get(key)!.end);
    merge.end(key);
    pause(key);
  };
  const release = () => {
    merge.drain(options.onItem);
    flowControl();
    if (merge.done) finish();
  };

  const onBatch = async (topic: string, partition: number, messages: KafkaMessage[], lastOffset: string) => {
    const key = id(topic, partition);
    const b = byId.get(key);
    const position = next.get(key);
    if (!b || position === undefined || position >= b.end) return;
    const items: T[] = [];
    let at = position;
    let read = 0;
    for (const message of messages) {
      const offset = BigInt(message.offset);
      // Before the start: the seek had not landed yet, or a paused partition was fetched again.
      if (offset < at) continue;
      if (offset >= b.end) break;
      at = offset + 1n;
      read++;
      const item = await options.decode(topic, message);
      if (item !== undefined) items.push(item);
    }
    // Ended while we decoded (its log start passed the end, or a stall stopped the scan): the batch is dropped.
    if (next.get(key)! >= b.end) return;
    // Compaction and control records leave holes: the batch's own last offset says how far it got.
    const reached = BigInt(lastOffset) + 1n;
    if (reached > at) at = reached < b.end ? reached : b.end;
    next.set(key, at);
    result.messages += read;
    result.items += items.length;
    merge.push(key, items);
    if (at >= b.end) endPartition(key);
    lastProgress = Date.now();
    release();
  };

  // Pauses whoever runs ahead, resumes whoever drained to half the high water.
  const flowControl = () => {
    for (const key of merge.overfull()) {
      if (!flowPaused.has(key)) {
        flowPaused.add(key);
        pause(key);
      }
    }
    for (const key of flowPaused) {
      if (merge.buffered(key) <= merge.highWater / 2) {
        flowPaused.delete(key);
        const b = byId.get(key)!;
        if (next.get(key)! < b.end) consumer.resume([{ topic: b.topic, partitions: [b.partition] }]);
      }
    }
  };

  // Retention may delete the rest of a partition while we read: then its log
  // start passes our position and nothing more will come. Anything else that
  // stops progress for stallMs is an error, not a short report.
  const endDeleted = async () => {
    const admin = options.kafka.admin();
    try {
      await admin.connect();
      for (const topic of options.topics) {
        for (const o of await fetchTopicOffsetsRetrying(admin, topic)) {
          const key = id(topic, o.partition);
          const at = next.get(key);
          if (at !== undefined && at < byId.get(key)!.end && BigInt(o.low) >= byId.get(key)!.end) endPartition(key);
        }
      }
    } finally {
      await admin.disconnect().catch(() => {});
    }
    try {
      release();
    } catch (err) {
      finish(err);
    }
  };
  // A stop keeps what was read: every unfinished partition ends where it got to.
  const stopStalled = () => {
    for (const b of active) {
      const key = id(b.topic, b.partition);
      if (next.get(key)! >= b.end) continue;
      result.incomplete.push(`${b.topic}:${b.partition}`);
      endPartition(key);
    }
    try {
      release();
    } catch (err) {
      finish(err);
    }
  };
  const stallMs = options.stallTimeoutMs ?? 60_000;
  let checking = false;
  const watchdog = setInterval(() => {
    const idle = Date.now() - lastProgress;
    if (idle > stallMs && options.onStall === "stop") {
      stopStalled();
    } else if (idle > stallMs) {
      finish(new PipelineError("timeout", `reading ${options.topics.join(", ")} made no progress for ${Math.round(stallMs / 1000)} s`, { retriable: true }));
    } else if (idle > 5000 && !checking) {
      checking = true;
      endDeleted()
        .catch((err: unknown) => options.logger?.debug({ err }, "could not check the partitions' log start"))
        .finally(() => {
          checking = false;
        });
    }
  }, 1000);
  watchdog.unref();
  const onAbort = () => finish(new PipelineError("aborted", "scan aborted"));
  options.signal?.addEventListener("abort", onAbort, { once: true });

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) finish(classifyKafkaError(event.payload.error, options.brokers ?? []));
    });
    await consumer.run({
      autoCommit: false,
      // Every partition's batch handled at once: a partition waiting on the merge never blocks another's fetch.
      partitionsConsumedConcurrently: Math.min(bounds.length, 16),
      eachBatch: async ({ batch }) => {
        try {
          await onBatch(batch.topic, batch.partition, batch.messages, batch.lastOffset());
        } catch (err) {
          finish(err);
        }
      },
    });
    for (const b of bounds) {
      consumer.seek({ topic: b.topic, partition: b.partition, offset: b.start.toString() });
      if (b.end <= b.start) pause(id(b.topic, b.partition));
    }
    await finished;
    return result;
  } catch (err) {
    throw err instanceof PipelineError ? err : classifyKafkaError(err, options.brokers ?? []);
  } finally {
    clearInterval(watchdog);
    options.signal?.removeEventListener("abort", onAbort);
    await consumer.disconnect().catch((err: unknown) => options.logger?.warn({ err }, "error disconnecting the scan consumer"));
    await deleteGroup(options.kafka, options.groupId, options.logger);
  }
}

/** Start and end offset of every partition of the topics for the period. */
async function partitionBounds(options: Pick<TopicScanOptions<unknown>, "kafka" | "topics" | "since" | "until" | "brokers">): Promise<Bounds[]> {
  const admin = options.kafka.admin();
  try {
    await admin.connect();
    const out: Bounds[] = [];
    for (const topic of options.topics) {
      const offsets = await fetchTopicOffsetsRetrying(admin, topic);
      const starts = options.since === undefined ? undefined : await admin.fetchTopicOffsetsByTimestamp(topic, options.since);
      const ends = options.until === undefined ? undefined : await admin.fetchTopicOffsetsByTimestamp(topic, options.until);
      for (const o of offsets) {
        const low = BigInt(o.low);
        const high = BigInt(o.high);
        const byStart = starts?.find((s) => s.partition === o.partition)?.offset;
        const byEnd = ends?.find((s) => s.partition === o.partition)?.offset;
        const start = byStart === undefined ? low : maxBig(low, BigInt(byStart));
        const end = byEnd === undefined ? high : minBig(high, BigInt(byEnd));
        out.push({ topic, partition: o.partition, start, end });
      }
    }
    return out;
  } catch (err) {
    throw classifyKafkaError(err, options.brokers ?? []);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function deleteGroup(kafka: Kafka, groupId: string, logger: Logger | undefined): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch (err) {
    // The broker expires an empty group by itself; nothing is lost.
    logger?.debug({ err, groupId }, "could not delete the scan's consumer group");
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

const maxBig = (a: bigint, b: bigint) => (a > b ? a : b);
const minBig = (a: bigint, b: bigint) => (a < b ? a : b);

/** Passes items on as they are read; each drain follows its push, so nothing waits and no partition needs pausing. */
class ArrivalOrder<T> implements Ordering<T> {
  readonly highWater = Number.POSITIVE_INFINITY;
  private readonly running: Set<string>;
  private items: T[] = [];

  constructor(streamIds: readonly string[]) {
    this.running = new Set(streamIds);
  }

  push(_streamId: string, items: readonly T[]): void {
    for (const item of items) this.items.push(item);
  }

  end(streamId: string): void {
    this.running.delete(streamId);
  }

  drain(emit: (item: T) => void): number {
    const items = this.items;
    this.items = [];
    for (const item of items) emit(item);
    return items.length;
  }

  overfull(): string[] {
    return [];
  }

  buffered(): number {
    return this.items.length;
  }

  get done(): boolean {
    return this.running.size === 0 && this.items.length === 0;
  }
}

export interface ScannedEvent {
  topic: string;
  /** The event as the serde decoded it. */
  value: unknown;
}

export interface EventScanResult {
  /** Messages read, decodable or not. */
  messages: number;
  /** Messages with no value, an unknown schema or bad bytes: counted, not passed on. */
  undecodable: number;
  /** "topic:partition" of each partition that made no progress for 30 s and was left unfinished. */
  incomplete: string[];
}

/**
 * Reads the whole of `topics` as they stand at the start with the context's
 * clients, in the order read (each partition in offset order, so the events of
 * one key arrive in the order they were written). A stall ends the scan with a
 * warning in `incomplete` instead of an error, so a report still shows what was read.
 */
export async function scanEvents(ctx: ServiceContext, topics: readonly string[], onEvent: (event: ScannedEvent) => void): Promise<EventScanResult> {
  const result = await scanTopics<ScannedEvent>({
    kafka: ctx.kafka,
    topics,
    // Unique per scan: one command may run several scans with one context.
    groupId: `${ctx.config.kafkaClientId}-scan-${ctx.instanceId}-${randomBytes(3).toString("hex")}`,
    brokers: ctx.config.kafkaBrokers,
    logger: ctx.logger,
    stallTimeoutMs: 30_000,
    onStall: "stop",
    async decode(topic, message) {
      if (!message.value) return undefined;
      try {
        return { topic, value: (await ctx.serde.decode(message.value)).value };
      } catch (err) {
        // A record that cannot be decoded is counted; a registry outage is not the
        // record's fault, and replaying "nothing" because of it would mislead.
        if ((err as { retriable?: boolean }).retriable) throw err;
        return undefined;
      }
    },
    onItem: onEvent,
  });
  return { messages: result.messages, undecodable: result.messages - result.items, incomplete: result.incomplete };
}
