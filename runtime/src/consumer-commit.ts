// Kafka commits name the next offset to read, not the last one handled; this is
// the one place that adds the one.

import type { Consumer } from "kafkajs";

/** The offset to commit once `offset` is handled. */
export function offsetAfter(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

/** Commits a partition through `offset`, the last record handled. */
export function commitThrough(consumer: Pick<Consumer, "commitOffsets">, topic: string, partition: number, offset: string): Promise<void> {
  return consumer.commitOffsets([{ topic, partition, offset: offsetAfter(offset) }]);
}
