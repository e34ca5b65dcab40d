// The loop over one fetched batch of asr.segments: each segment takes a
// process-wide slot, several run at once, and offsets are committed in order
// as the contiguous prefix of settled segments grows. The loop stops taking
// segments when memory pressure pauses consumption, a segment is handed back
// by the memory check, or one fails for a reason outside the segment.

import type { Consumer, EachBatchPayload } from "kafkajs";
import { type Logger, sleep } from "@lingostream/runtime";
import type { Backpressure } from "./backpressure.ts";
import { InOrderOffsets } from "./in-order-offsets.ts";
import type { PauseSync } from "./pause-sync.ts";
import { NotAdmitted, type SegmentHandler } from "./segment-handler.ts";
import type { SlotGate } from "./slot-gate.ts";

export interface BatchLoopOptions {
  consumer: Pick<Consumer, "commitOffsets">;
  handler: Pick<SegmentHandler, "handle">;
  pause: Pick<PauseSync, "sync">;
  /** Shared by every partition's batch: the processor-wide limit on segments in flight. */
  gate: SlotGate;
  backpressure: Backpressure;
  /** Slots configured; the governor may allow fewer. */
  slots: number;
  heartbeatIntervalMs: number;
  logger: Logger;
  /** Aborted when the processor stops: no new segment is taken. */
  signal: AbortSignal;
}

/** The eachBatch handler for kafkajs (with eachBatchAutoResolve and autoCommit off). */
export function createBatchLoop(options: BatchLoopOptions): (payload: EachBatchPayload) => Promise<void> {
  const { consumer, handler, pause, gate, backpressure, slots, heartbeatIntervalMs, logger, signal } = options;
  return async (payload) => {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    // kafkajs heartbeats only between batches on its own; a segment can take
    // longer than the session timeout, so beat while work is in flight.
    const beat = setInterval(() => heartbeat().catch((err) => logger.debug({ err: String(err) }, "heartbeat failed")), heartbeatIntervalMs);
    const order = new InOrderOffsets();
    const inFlight = new Set<Promise<void>>();
    let fatal: unknown;
    let handedBack = false;
    const commit = async (offset: string) => {
      resolveOffset(offset);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(offset) + 1n).toString() }]);
    };
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || signal.aborted || fatal !== undefined || handedBack) break;
        if (pause.sync()) break;
        const stopWaiting = () => fatal !== undefined || handedBack || signal.aborted || !isRunning() || isStale();
        if (!(await gate.acquire(() => backpressure.maxInFlight(slots), stopWaiting))) break;
        // The level may have risen, or a segment been refused, while waiting for a slot.
        if (fatal !== undefined || handedBack || pause.sync()) {
          gate.release();
          break;
        }
        order.start(message.offset);
        const work: Promise<void> = handler
          .handle(message, batch.partition)
          .then(async () => {
            const done = order.finish(message.offset);
            if (done !== undefined) await commit(done);
          })
          .catch((err) => {
            if (err instanceof NotAdmitted) handedBack = true;
            else fatal ??= err;
          })
          .finally(() => {
            gate.release();
            inFlight.delete(work);
          });
        inFlight.add(work);
      }
      await Promise.all(inFlight);
    } finally {
      clearInterval(beat);
    }
    // The failed segment's offset stays unresolved, so kafkajs retries the batch from it.
    if (fatal !== undefined) throw fatal;
    // A refusal because the level rose is already a consumer pause; one for this
    // process's own memory is not, so wait a while before the batch is fetched again.
    if (handedBack && !pause.sync()) {
      logger.warn({ topic: batch.topic, partition: batch.partition }, "segment refused by the local memory check; retrying after a pause");
      // Cut short when the processor stops.
      await sleep(heartbeatIntervalMs, signal).catch(() => {});
    }
  };
}
