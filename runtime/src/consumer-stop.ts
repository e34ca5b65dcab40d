// The one order in which a consumer service stops: stop fetching, let the work
// in hand finish, commit what it finished, then leave the group and disconnect,
// and last release what outlives the connections (engines, pools). Commits
// need the group membership, so they come before the consumer stops; a step
// that fails is logged and the later ones still run, so every connection is
// released on every path.

import type { Consumer, Producer } from "kafkajs";
import type { Logger } from "./logger.ts";

export interface ConsumerStopSteps {
  /** No new work starts: signals aborted, timers cleared, partitions paused. */
  stopFetching(): void | Promise<void>;
  /** Settles once the work in hand has finished. */
  drain?(): Promise<void>;
  /** Commits what drained (and writes what it covers, where that comes first). */
  commit?(): Promise<void>;
  consumer: Pick<Consumer, "stop" | "disconnect">;
  producer?: Pick<Producer, "disconnect">;
  /** Releases what is no longer needed once disconnected. */
  release?(): void | Promise<void>;
  logger: Logger;
}

export type ConsumerStopStep = "stop-fetching" | "drain" | "commit" | "consumer-stop" | "consumer-disconnect" | "producer-disconnect" | "release";

/**
 * The service's stop(): runs the steps once, in order, whatever fails; later
 * calls share the first call's promise, which never rejects.
 */
export function consumerStop(steps: ConsumerStopSteps): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= runSteps(steps);
    return stopping;
  };
}

async function runSteps(steps: ConsumerStopSteps): Promise<void> {
  const { consumer, producer, logger } = steps;
  const sequence: [ConsumerStopStep, (() => unknown) | undefined][] = [
    ["stop-fetching", steps.stopFetching],
    ["drain", steps.drain],
    ["commit", steps.commit],
    ["consumer-stop", () => consumer.stop()],
    ["consumer-disconnect", () => consumer.disconnect()],
    ["producer-disconnect", producer && (() => producer.disconnect())],
    ["release", steps.release],
  ];
  for (const [step, run] of sequence) {
    if (run === undefined) continue;
    try {
      await run();
    } catch (err) {
      logger.warn({ err, step }, "stop step failed; the next steps still run");
    }
  }
}
