// The admin calls of a bounded scan: the offsets it reads on each partition
// (from those of `since`, or the log start, up to the end offsets recorded when
// the scan begins, or those of `until`, so a topic that keeps growing does not
// keep the scan going), the log starts retention may move meanwhile, and the
// removal of the scan's own consumer group at the end.

import { classifyKafkaError, fetchTopicOffsetsRetrying, type Logger } from "@lingostream/runtime";
import type { Admin, Kafka } from "kafkajs";

export interface PartitionBounds {
  topic: string;
  partition: number;
  /** First offset to read. */
  start: bigint;
  /** First offset not to read. */
  end: bigint;
}

export interface BoundsQuery {
  kafka: Kafka;
  topics: readonly string[];
  /** Epoch ms; default: from each partition's earliest offset. */
  since?: number;
  /** Epoch ms, exclusive; default: up to the end offsets now. */
  until?: number;
  brokers?: string[];
}

/** Start and end offset of every partition of the topics for the period. */
export async function partitionBounds(query: BoundsQuery): Promise<PartitionBounds[]> {
  try {
    return await withAdmin(query.kafka, async (admin) => {
      const out: PartitionBounds[] = [];
      for (const topic of query.topics) {
        const offsets = await fetchTopicOffsetsRetrying(admin, topic);
        const starts = query.since === undefined ? undefined : await admin.fetchTopicOffsetsByTimestamp(topic, query.since);
        const ends = query.until === undefined ? undefined : await admin.fetchTopicOffsetsByTimestamp(topic, query.until);
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
    });
  } catch (err) {
    throw classifyKafkaError(err, query.brokers ?? []);
  }
}

/** The log start offset of every partition of the topics now: retention may pass a scan's end while it reads. */
export async function logStartOffsets(kafka: Kafka, topics: readonly string[]): Promise<{ topic: string; partition: number; low: bigint }[]> {
  return withAdmin(kafka, async (admin) => {
    const out: { topic: string; partition: number; low: bigint }[] = [];
    for (const topic of topics) {
      for (const o of await fetchTopicOffsetsRetrying(admin, topic)) out.push({ topic, partition: o.partition, low: BigInt(o.low) });
    }
    return out;
  });
}

/** kafkajs has no manual assignment, so a scan reads through a group of its own; it commits nothing and is removed here. */
export async function deleteScanGroup(kafka: Kafka, groupId: string, logger: Logger | undefined): Promise<void> {
  try {
    await withAdmin(kafka, (admin) => admin.deleteGroups([groupId]));
  } catch (err) {
    // The broker expires an empty group by itself; nothing is lost.
    logger?.debug({ err, groupId }, "could not delete the scan's consumer group");
  }
}

async function withAdmin<R>(kafka: Kafka, fn: (admin: Admin) => Promise<R>): Promise<R> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

const maxBig = (a: bigint, b: bigint) => (a > b ? a : b);
const minBig = (a: bigint, b: bigint) => (a < b ? a : b);
