// The sink's classification of what goes wrong while reading a record: a
// record that can never be processed is skipped and counted, anything a retry
// can help with (a registry, S3 or Kafka outage) pauses its partition instead.

import { isPipelineError, type Logger } from "@lingostream/runtime";
import { isSerdeError } from "@lingostream/schemas";
import type { KafkaMessage } from "kafkajs";
import { BadRecord } from "./errors.ts";
import type { SinkMetrics } from "./metrics.ts";

/** Turns a decode or read failure into a BadRecord unless a retry can help (registry or S3 outage). */
export function classifyRecordError(err: unknown): unknown {
  if (err instanceof BadRecord) return err;
  if (isSerdeError(err)) return err.retriable ? err : new BadRecord(err.code, err);
  if (isPipelineError(err)) {
    if (err.code === "malformed" || err.code === "invalid-id" || err.code === "oversize") return new BadRecord(err.code, err);
    return err;
  }
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return new BadRecord("malformed", err);
  return err;
}

/** Counts and logs a skipped record, with no more of its key than fits a log line. */
export function reportBadRecord(metrics: SinkMetrics, logger: Logger, topic: string, partition: number, message: KafkaMessage, bad: BadRecord): void {
  metrics.badRecords.inc({ topic, reason: bad.reason });
  const key = message.key ? message.key.toString("utf8").slice(0, 128) : null;
  logger.warn({ topic, partition, offset: message.offset, key, reason: bad.reason, err: bad.cause }, "bad record skipped");
}
