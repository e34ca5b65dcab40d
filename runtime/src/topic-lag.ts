// Consumer lag of one group on one topic, from the partitions' end offsets and
// the group's commits: what `lingostream status` prints, the workers' lag
// metrics export, and the segmenter's look-ahead bound reads.

import type { Admin } from "kafkajs";

export interface PartitionOffsets {
  partition: number;
  low: string;
  high: string;
}

export interface TopicLag {
  topic: string;
  /** Messages not yet consumed by the group, summed over partitions. */
  lag: number;
  partitions: number;
  /** Partitions the group never committed; counted from their earliest offset (the groups start from the beginning). */
  uncommitted: number;
}

export function topicLag(topic: string, ends: readonly PartitionOffsets[], committed: readonly { partition: number; offset: string }[]): TopicLag {
  let lag = 0;
  let uncommitted = 0;
  for (const end of ends) {
    const high = BigInt(end.high);
    const at = committed.find((c) => c.partition === end.partition)?.offset;
    let from: bigint;
    if (at === undefined || BigInt(at) < 0n) {
      uncommitted++;
      from = BigInt(end.low);
    } else {
      // A commit below the log start (retention removed the rest) lags from the start.
      from = BigInt(at) < BigInt(end.low) ? BigInt(end.low) : BigInt(at);
    }
    if (high > from) lag += Number(high - from);
  }
  return { topic, lag, partitions: ends.length, uncommitted };
}

/**
 * The group's lag on the topic, read now: two admin requests. A group that
 * never committed (or does not exist) has offset -1 everywhere, so all that is
 * retained counts.
 */
export async function readGroupLag(admin: Admin, groupId: string, topic: string): Promise<TopicLag> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  return topicLag(
    topic,
    ends.map((o) => ({ partition: o.partition, low: o.low, high: o.high })),
    committed.find((c) => c.topic === topic)?.partitions ?? [],
  );
}
