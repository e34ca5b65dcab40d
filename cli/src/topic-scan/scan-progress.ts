// Where each partition of a bounded scan has got to. A batch is read from the
// partition's position up to its end offset; records before the position (a
// seek that had not landed yet, a paused partition fetched again) are skipped,
// and holes left by compaction or control records are stepped over by the
// batch's own last offset.

import type { PartitionBounds } from "./scan-admin.ts";

/** Names a partition within a scan; also the partition's stream id in the ordering. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** What a batch holds for the scan: the records within the bounds, and how far the partition gets once they are taken. */
export interface BatchTake<M> {
  records: M[];
  reached: bigint;
}

export class ScanProgress {
  /** Partitions that have anything to read. */
  readonly active: readonly PartitionBounds[];
  private readonly bounds = new Map<string, PartitionBounds>();
  private readonly next = new Map<string, bigint>();

  constructor(bounds: readonly PartitionBounds[]) {
    for (const b of bounds) this.bounds.set(partitionKey(b.topic, b.partition), b);
    this.active = bounds.filter((b) => b.end > b.start);
    for (const b of this.active) this.next.set(partitionKey(b.topic, b.partition), b.start);
  }

  boundsOf(key: string): PartitionBounds | undefined {
    return this.bounds.get(key);
  }

  /** True for a partition with nothing (more) to read, or one the scan never reads. */
  ended(key: string): boolean {
    const b = this.bounds.get(key);
    const at = this.next.get(key);
    return !b || at === undefined || at >= b.end;
  }

  /** The records of a batch to take, in offset order; nothing moves until advance(). */
  take<M extends { offset: string }>(key: string, messages: readonly M[], lastOffset: string): BatchTake<M> | undefined {
    const b = this.bounds.get(key);
    const position = this.next.get(key);
    if (!b || position === undefined || position >= b.end) return undefined;
    const records: M[] = [];
    let at = position;
    for (const message of messages) {
      const offset = BigInt(message.offset);
      if (offset < at) continue;
      if (offset >= b.end) break;
      at = offset + 1n;
      records.push(message);
    }
    const reached = BigInt(lastOffset) + 1n;
    if (reached > at) at = reached < b.end ? reached : b.end;
    return { records, reached: at };
  }

  /** Moves the partition to `reached`; true when that is its end. */
  advance(key: string, reached: bigint): boolean {
    this.next.set(key, reached);
    return this.ended(key);
  }

  /** Nothing more is read from the partition. */
  end(key: string): void {
    const b = this.bounds.get(key);
    if (b) this.next.set(key, b.end);
  }

  /** Active partitions not read to their end yet. */
  unfinished(): PartitionBounds[] {
    return this.active.filter((b) => !this.ended(partitionKey(b.topic, b.partition)));
  }
}
