// The ordering of a scan with no event time to merge by: items go out in the
// order read, each partition in offset order, and nothing is held back.

import type { TimeMerge } from "./time-merge.ts";

/** What a scan needs of an ordering: the TimeMerge, or ArrivalOrder when there is no time to merge by. */
export type ScanOrdering<T> = Pick<TimeMerge<T>, "push" | "end" | "drain" | "overfull" | "buffered" | "highWater" | "done">;

/** Passes items on as they are read; each drain follows its push, so nothing waits and no partition needs pausing. */
export class ArrivalOrder<T> implements ScanOrdering<T> {
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
