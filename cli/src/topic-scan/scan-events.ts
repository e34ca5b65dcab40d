// The scan the commands run over the pipeline's own topics: every event as the
// serde decodes it, with the context's clients, counting what does not decode.

import { randomBytes } from "node:crypto";
import type { ServiceContext } from "@lingostream/runtime";
import { scanTopics } from "./scan-topics.ts";

export interface ScannedEvent {
  topic: string;
  /** The event as the serde decoded it. */
  value: unknown;
}

export interface EventScanResult {
  /** Messages read, decodable or not. */
  messages: number;
  /** Messages with no value, an unknown schema or bad bytes: counted, not passed on. */
  undecodable: number;
  /** "topic:partition" of each partition that made no progress for 30 s and was left unfinished. */
  incomplete: string[];
}

/**
 * Reads the whole of `topics` as they stand at the start with the context's
 * clients, in the order read (each partition in offset order, so the events of
 * one key arrive in the order they were written). A stall ends the scan with a
 * warning in `incomplete` instead of an error, so a report still shows what was read.
 */
export async function scanEvents(ctx: ServiceContext, topics: readonly string[], onEvent: (event: ScannedEvent) => void): Promise<EventScanResult> {
  const result = await scanTopics<ScannedEvent>({
    kafka: ctx.kafka,
    topics,
    // Unique per scan: one command may run several scans with one context.
    groupId: `${ctx.config.kafkaClientId}-scan-${ctx.instanceId}-${randomBytes(3).toString("hex")}`,
    brokers: ctx.config.kafkaBrokers,
    logger: ctx.logger,
    stallTimeoutMs: 30_000,
    onStall: "stop",
    async decode(topic, message) {
      if (!message.value) return undefined;
      try {
        return { topic, value: (await ctx.serde.decode(message.value)).value };
      } catch (err) {
        // A record that cannot be decoded is counted; a registry outage is not the
        // record's fault, and replaying "nothing" because of it would mislead.
        if ((err as { retriable?: boolean }).retriable) throw err;
        return undefined;
      }
    },
    onItem: onEvent,
  });
  return { messages: result.messages, undecodable: result.messages - result.items, incomplete: result.incomplete };
}
