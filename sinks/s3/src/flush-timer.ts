// The sink's timer: retries paused partitions once their backoff has passed,
// rotates buffers that have grown old, and writes buffers early while the
// memory quota, or a tenant's part of it, is exceeded. Each rotation runs under
// its partition's lock, with the group heartbeat kept beating meanwhile.

import type { Logger } from "@lingostream/runtime";
import type { PartitionPauses } from "./partition-pauses.ts";
import type { PartitionWriters } from "./partition-writers.ts";

export interface FlushTimerOptions {
  writers: PartitionWriters;
  pauses: PartitionPauses;
  logger: Logger;
  clock: () => number;
  flushIntervalMs: number;
  /** Runs work while beating the consumer group's heartbeat. */
  withHeartbeat<T>(work: () => Promise<T>): Promise<T>;
}

export class FlushTimer {
  private readonly options: FlushTimerOptions;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private stopped = false;

  constructor(options: FlushTimerOptions) {
    this.options = options;
  }

  /** Ticks at half the flush interval (10 ms to 1 s), so an old buffer waits at most half an interval more. */
  start(): void {
    const every = Math.max(10, Math.min(1000, Math.floor(this.options.flushIntervalMs / 2)));
    this.timer = setInterval(() => void this.tick(), every);
  }

  /** No tick starts after this; one under way ends at its next rotation's lock check. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    const { writers, pauses, logger, clock, withHeartbeat } = this.options;
    this.ticking = true;
    try {
      const now = clock();
      for (const writer of [...writers.values()]) {
        if (!writer.isDue(now)) continue;
        const ok = await withHeartbeat(() => writers.locked(writer.partition, () => writers.rotate(writer, "retry")));
        // rotate() paused again on failure with a longer backoff; on success
        // fetching resumes where it stopped, unless a rebalance retired the writer meanwhile.
        if (ok && writers.isCurrent(writer) && writer.paused) pauses.resume(writer);
      }
      pauses.resumeDueUnbuffered(now);
      for (const writer of [...writers.values()]) {
        if (writer.paused) continue;
        const reason = writer.dueReason(clock());
        if (reason) await withHeartbeat(() => writers.rotateLocked(writer, reason));
      }
      // Result-memory quota: past it, the fullest buffers are written early.
      const byBytes = [...writers.values()].sort((a, b) => b.bufferedBytes - a.bufferedBytes);
      for (const writer of byBytes) {
        if (!writers.overQuota()) break;
        if (writer.paused) continue;
        await withHeartbeat(() => writers.rotateLocked(writer, "quota"));
      }
      // A tenant past its part of the quota: its fullest buffers are written early, until it is back within it.
      for (let over = writers.overShareTenant(); over !== undefined; ) {
        const tenant = over;
        const holder = [...writers.values()]
          .filter((w) => !w.paused && (w.bufferedByTenant.get(tenant) ?? 0) > 0)
          .sort((a, b) => (b.bufferedByTenant.get(tenant) ?? 0) - (a.bufferedByTenant.get(tenant) ?? 0))[0];
        if (holder === undefined) break;
        await withHeartbeat(() => writers.rotateLocked(holder, "quota"));
        const next = writers.overShareTenant();
        // A rotation that did not happen (a paused partition, a failed write) must not spin.
        if (next === tenant && (holder.bufferedByTenant.get(tenant) ?? 0) > 0) break;
        over = next;
      }
    } catch (err) {
      logger.error({ err }, "sink timer failed");
    } finally {
      this.ticking = false;
    }
  }
}
