// Reads topics once from their first retained offset up to the end offsets
// recorded when the scan starts: a bounded read of history that ignores
// whatever is produced meanwhile, so a scan always ends.

import { randomBytes } from "node:crypto";
import type { ServiceContext } from "@lingostream/runtime";

export interface ScannedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The decoded value; undefined when error is set. */
  value: unknown;
  /** Why the value could not be decoded (empty, unknown schema, bad bytes). */
  error?: unknown;
}

export interface ScanOptions {
  /** Gives up when no partition makes progress for this long, ms (a partition whose tail was deleted meanwhile). */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface ScanSummary {
  records: number;
  undecodable: number;
  /** "topic:partition" entries that did not reach their end offset (idle timeout or abort). */
  incomplete: string[];
}

interface PartitionRange {
  topic: string;
  partition: number;
  /** Exclusive: the high watermark when the scan started. */
  end: bigint;
}

/**
 * Calls onRecord for every record below the end offsets, in offset order per
 * partition and one record at a time, so the caller's state is the only memory
 * the scan holds. Uses a throw-away consumer group that commits nothing and is
 * deleted afterwards.
 */
export async function scanTopics(
  ctx: ServiceContext,
  topics: readonly string[],
  onRecord: (record: ScannedRecord) => void | Promise<void>,
  options: ScanOptions = {},
): Promise<ScanSummary> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const summary: ScanSummary = { records: 0, undecodable: 0, incomplete: [] };
  const pending = new Map<string, PartitionRange>();
  const admin = ctx.kafka.admin();
  await admin.connect();
  const groupId = `lingostream-scan-${ctx.instanceId}-${randomBytes(3).toString("hex")}`;
  const consumer = ctx.kafka.consumer({ groupId, sessionTimeout: 30_000, allowAutoTopicCreation: false });
  try {
    for (const topic of topics) {
      for (const o of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(o.high) > BigInt(o.low)) pending.set(rangeKey(topic, o.partition), { topic, partition: o.partition, end: BigInt(o.high) });
      }
    }
    if (pending.size === 0) return summary;

    let lastProgress = Date.now();
    let finish!: () => void;
    let fail!: (err: unknown) => void;
    const finished = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const done = (range: PartitionRange) => {
      pending.delete(rangeKey(range.topic, range.partition));
      consumer.pause([{ topic: range.topic, partitions: [range.partition] }]);
      if (pending.size === 0) finish();
    };

    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) fail(e.payload.error);
    });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, isRunning }) => {
        const range = pending.get(rangeKey(batch.topic, batch.partition));
        if (!range) return;
        for (const message of batch.messages) {
          if (!isRunning() || options.signal?.aborted) return;
          if (BigInt(message.offset) >= range.end) break;
          const record: ScannedRecord = {
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            key: message.key ? message.key.toString("utf8") : null,
            value: undefined,
          };
          try {
            if (!message.value) throw new Error("message has no value");
            record.value = (await ctx.serde.decode(message.value)).value;
          } catch (err) {
            record.error = err;
            summary.undecodable++;
          }
          summary.records++;
          await onRecord(record);
          lastProgress = Date.now();
        }
        lastProgress = Date.now();
        if (BigInt(batch.lastOffset()) >= range.end - 1n) done(range);
      },
    });

    // Records below the end may be deleted by retention while we read; a partition
    // whose log start has moved past its end has nothing more to give.
    const watchdog = setInterval(() => {
      void (async () => {
        if (options.signal?.aborted || Date.now() - lastProgress > idleTimeoutMs) {
          finish();
          return;
        }
        for (const topic of new Set([...pending.values()].map((r) => r.topic))) {
          for (const o of await admin.fetchTopicOffsets(topic)) {
            const range = pending.get(rangeKey(topic, o.partition));
            if (range && BigInt(o.low) >= range.end) done(range);
          }
        }
      })().catch(() => {});
    }, 1000);
    try {
      await finished;
    } finally {
      clearInterval(watchdog);
    }
    summary.incomplete = [...pending.keys()];
    return summary;
  } finally {
    await consumer.disconnect().catch(() => {});
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

function rangeKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
