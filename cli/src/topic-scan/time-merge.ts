// Merges several streams (topic-partitions) into one in event-time order. Kafka
// orders each partition but not partitions against each other, and an analysis
// that compares two topics (forecasts against what happened) needs them in one
// timeline. An item is released once every stream still running has reached its
// time (the watermark); a stream that runs ahead is told to pause when it holds
// `highWater` items, so memory stays bounded whatever the topics' sizes.

export interface TimeMergeOptions<T> {
  timeOf: (item: T) => number;
  /** Items one stream may hold before it should pause (default 2000). */
  highWater?: number;
}

interface Stream<T> {
  items: T[];
  head: number;
  /** Latest time the stream has shown; -Infinity before its first item. */
  reached: number;
  ended: boolean;
}

export class TimeMerge<T> {
  private readonly streams = new Map<string, Stream<T>>();
  private readonly timeOf: (item: T) => number;
  readonly highWater: number;

  constructor(streamIds: readonly string[], options: TimeMergeOptions<T>) {
    this.timeOf = options.timeOf;
    this.highWater = options.highWater ?? 2000;
    for (const id of streamIds) this.streams.set(id, { items: [], head: 0, reached: Number.NEGATIVE_INFINITY, ended: false });
  }

  /** Appends a stream's next items, in the stream's own order. */
  push(streamId: string, items: readonly T[]): void {
    const stream = this.stream(streamId);
    if (stream.ended) throw new Error(`stream ${streamId} has ended`);
    for (const item of items) {
      stream.items.push(item);
      // A clock step back inside one stream must not lower its watermark.
      stream.reached = Math.max(stream.reached, this.timeOf(item));
    }
  }

  /** The stream will deliver nothing more: it no longer holds the others back. */
  end(streamId: string): void {
    this.stream(streamId).ended = true;
  }

  /** Time up to which every running stream has delivered; +Infinity once all have ended. */
  get watermark(): number {
    let mark = Number.POSITIVE_INFINITY;
    for (const s of this.streams.values()) if (!s.ended) mark = Math.min(mark, s.reached);
    return mark;
  }

  /** Emits, oldest first, every buffered item no running stream can still precede. */
  drain(emit: (item: T) => void): number {
    const mark = this.watermark;
    let emitted = 0;
    for (;;) {
      let best: Stream<T> | undefined;
      let bestTime = Number.POSITIVE_INFINITY;
      for (const s of this.streams.values()) {
        if (s.head >= s.items.length) continue;
        const t = this.timeOf(s.items[s.head]!);
        if (t < bestTime) {
          best = s;
          bestTime = t;
        }
      }
      if (!best || bestTime > mark) break;
      emit(best.items[best.head]!);
      best.head++;
      emitted++;
      // Compact now and then instead of shifting per item.
      if (best.head >= 1024 || best.head === best.items.length) {
        best.items.splice(0, best.head);
        best.head = 0;
      }
    }
    return emitted;
  }

  /** Items the stream holds that are not emitted yet. */
  buffered(streamId: string): number {
    const s = this.stream(streamId);
    return s.items.length - s.head;
  }

  /** Streams that should stop fetching until they drain (at or over the high water). */
  overfull(): string[] {
    return [...this.streams].filter(([, s]) => !s.ended && s.items.length - s.head >= this.highWater).map(([id]) => id);
  }

  /** Every stream ended and everything emitted. */
  get done(): boolean {
    for (const s of this.streams.values()) if (!s.ended || s.head < s.items.length) return false;
    return true;
  }

  private stream(id: string): Stream<T> {
    const s = this.streams.get(id);
    if (!s) throw new Error(`unknown stream ${id}`);
    return s;
  }
}
