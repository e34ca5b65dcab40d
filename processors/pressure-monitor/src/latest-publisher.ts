// Publishes the monitor's events without ever queueing more than one per slot:
// while a send is in flight, a newer event replaces the one waiting. A slow or
// absent broker therefore costs the monitor one pending event, not a backlog,
// and readers of the compacted topic only ever need the latest state anyway.

export interface Outgoing {
  topic: string;
  key: string;
  /** Null publishes a tombstone. */
  encode(): Promise<Buffer | null>;
  /** For metrics and logs. */
  reason: string;
}

export type Send = (topic: string, key: string, value: Buffer | null) => Promise<void>;

export class LatestPublisher<T extends Outgoing = Outgoing> {
  private readonly send: Send;
  private readonly onSent: (item: T) => void;
  private readonly onError: (err: unknown, item: T) => void;
  private readonly pending = new Map<string, T>();
  private draining: Promise<void> | undefined;

  constructor(options: { send: Send; onSent?: (item: T) => void; onError: (err: unknown, item: T) => void }) {
    this.send = options.send;
    this.onSent = options.onSent ?? (() => {});
    this.onError = options.onError;
  }

  get waiting(): number {
    return this.pending.size;
  }

  /** Queues `item` in `slot`, replacing what waits there; `merge` decides what the replacement keeps of it. */
  offer(slot: string, item: T, merge?: (waiting: T, next: T) => T): void {
    const waiting = this.pending.get(slot);
    // Delete first so the slot moves to the back: slots are sent in the order they were last offered.
    this.pending.delete(slot);
    this.pending.set(slot, waiting && merge ? merge(waiting, item) : item);
    this.draining ??= this.drain();
  }

  /** Settles when nothing waits, or after timeoutMs, whichever is first; true when everything was sent. */
  async flush(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([(this.draining ?? Promise.resolve()).then(() => this.pending.size === 0), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async drain(): Promise<void> {
    // Yield once so offer() has stored this promise before the loop can finish and clear it.
    await Promise.resolve();
    try {
      // No await between the emptiness check and clearing `draining`, so an offer cannot slip in unsent.
      for (let next = this.takeFirst(); next; next = this.takeFirst()) {
        try {
          await this.send(next.topic, next.key, await next.encode());
          this.onSent(next);
        } catch (err) {
          this.onError(err, next);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private takeFirst(): T | undefined {
    const first = this.pending.entries().next();
    if (first.done) return undefined;
    this.pending.delete(first.value[0]);
    return first.value[1];
  }
}
