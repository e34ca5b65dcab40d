// The loop over fetched batches of asr.segments. Every segment of a batch is
// offered to the process-wide fair gate at once; the gate starts them tenant
// by tenant as slots free up. A batch does not wait for all its segments: it
// returns once they are all started, or after a short refresh, withdrawing the
// ones not started, so kafkajs fetches again (from the last resolved offset)
// and segments published since, another tenant's five-minute job behind a
// backlog, are weighed against what is left. Offsets are committed in order as
// the contiguous prefix of settled segments grows, whenever that happens.

import { commitThrough, type Logger, sleep, withHeartbeat } from "@lingostream/runtime";
import type { Consumer, EachBatchPayload, KafkaMessage } from "kafkajs";
import type { Claim, FairGate, Ticket } from "./fair-gate.ts";
import { PartitionWindow } from "./partition-window.ts";
import type { PauseSync } from "./pause-sync.ts";
import { NotAdmitted, type SegmentHandler } from "./segment-handler.ts";

/**
 * How long a batch keeps segments offered before it returns to see what was
 * published since. Shorter lets a newly arrived tenant in sooner; each refresh
 * refetches the window (up to maxBytesPerPartition per partition) from Kafka.
 */
export const REFRESH_MS = 500;

export interface BatchLoopOptions {
  consumer: Pick<Consumer, "commitOffsets">;
  handler: Pick<SegmentHandler, "handle">;
  pause: Pick<PauseSync, "sync">;
  /** Shared by every partition's batch: the processor-wide, per-tenant fair limit on segments in flight. */
  gate: FairGate;
  /** What the gate needs of a segment (tenant, priority, audio seconds), read from the message. */
  peek: (message: KafkaMessage) => Promise<Claim>;
  heartbeatIntervalMs: number;
  logger: Logger;
  /** Aborted when the processor stops: no new segment is offered. */
  signal: AbortSignal;
}

export interface BatchLoop {
  /** The eachBatch handler for kafkajs (with eachBatchAutoResolve and autoCommit off). */
  eachBatch(payload: EachBatchPayload): Promise<void>;
  /** Resolves when every started segment has settled (and committed, where it could). */
  drain(): Promise<void>;
  /** After a rebalance: partitions may have moved, so what was known of them is forgotten (running segments finish). */
  reset(): void;
}

export function createBatchLoop(options: BatchLoopOptions): BatchLoop {
  const { consumer, handler, pause, gate, peek, heartbeatIntervalMs, logger, signal } = options;
  let windows = new Map<number, PartitionWindow>();
  /** Segments running now, by partition:offset, across resets. */
  const running = new Set<string>();
  const inFlight = new Set<Promise<void>>();

  const windowOf = (partition: number): PartitionWindow => {
    let window = windows.get(partition);
    if (window === undefined) {
      window = new PartitionWindow();
      windows.set(partition, window);
    }
    return window;
  };

  function start(topic: string, partition: number, message: KafkaMessage, claim: Claim): void {
    const key = `${partition}:${message.offset}`;
    running.add(key);
    const work: Promise<void> = handler
      .handle(message, partition)
      .then(async () => {
        running.delete(key);
        // The window of now: after a rebalance the one this segment was offered from is gone.
        const window = windows.get(partition);
        const done = window?.finish(message.offset);
        if (window === undefined || done === undefined) return;
        try {
          await commitThrough(consumer, topic, partition, done);
        } catch (err) {
          // A rebalance took the partition: its new owner does the uncommitted segments again.
          logger.debug({ topic, partition, offset: done, err: String(err) }, "commit failed; the segments after the last commit will be done again");
        }
      })
      .catch((err) => {
        running.delete(key);
        // Handed back, uncommitted: offered again at a later fetch, after a pause so
        // a refusing memory check or a failing broker or store is not hammered.
        windows.get(partition)?.handBack(Date.now() + heartbeatIntervalMs);
        if (err instanceof NotAdmitted) logger.warn({ topic, partition, offset: message.offset }, "segment refused by the local memory check; retrying after a pause");
        else logger.warn({ topic, partition, offset: message.offset, err: (err as Error).message }, "segment handed back; retrying after a pause");
      })
      .finally(() => {
        gate.release(claim.tenant);
        inFlight.delete(work);
      });
    inFlight.add(work);
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const tickets: Ticket[] = [];
    try {
      // kafkajs heartbeats only between batches on its own; keep beating while waiting here.
      await withHeartbeat(payload.heartbeat, heartbeatIntervalMs, () => offer(payload, tickets), (err) => logger.debug({ err: String(err) }, "heartbeat failed"));
    } finally {
      // Not started: left to the next fetch, which weighs them against anything newer.
      for (const ticket of tickets) ticket.withdraw();
    }
  }

  /** Offers the batch's segments to the gate, then waits for them to start, a settle or the refresh; `tickets` gets each offer. */
  async function offer(payload: EachBatchPayload, tickets: Ticket[]): Promise<void> {
    const { batch, resolveOffset, isRunning, isStale } = payload;
    const window = windowOf(batch.partition);
    const stopped = () => signal.aborted || !isRunning() || isStale();
    // The next fetch starts after what is committed, not at the start of this batch.
    const settled = window.settledThrough;
    if (settled !== undefined) resolveOffset(settled);
    const backoff = window.backoffUntil - Date.now();
    if (backoff > 0) await sleep(backoff, signal).catch(() => {});
    if (stopped() || pause.sync()) return;
    let waiting = 0;
    for (const message of batch.messages) {
      if (!window.shouldOffer(message.offset, running.has(`${batch.partition}:${message.offset}`))) continue;
      let claim = window.claim(message.offset);
      if (claim === undefined) {
        claim = await peek(message);
        window.remember(message.offset, claim);
      }
      const offered = claim;
      waiting++;
      tickets.push(
        gate.request(offered, () => {
          waiting--;
          start(batch.topic, batch.partition, message, offered);
        }),
      );
    }
    // Nothing new here: wait for a settle (or the refresh) rather than refetch the same segments at once.
    if (tickets.length === 0) {
      await window.untilSettled(REFRESH_MS, signal);
      return;
    }
    const deadline = Date.now() + REFRESH_MS;
    while (waiting > 0 && Date.now() < deadline && !stopped() && !pause.sync() && window.backoffUntil <= Date.now()) {
      await window.untilSettled(Math.min(100, deadline - Date.now()), signal);
    }
  }

  return {
    eachBatch,
    async drain() {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
    reset() {
      windows = new Map();
    },
  };
}
