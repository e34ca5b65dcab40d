// Takes asr.jobs and asr.segments.failed batches into the job ledger. Both
// topics are small and need no buffer: each record is handled (its objects
// written, a completion checked) and the partition committed at the batch end.

import { commitThrough, type Logger, type ServiceContext } from "@lingostream/runtime";
import { readJobEvent } from "@lingostream/schemas";
import type { Consumer, EachBatchPayload, KafkaMessage } from "kafkajs";
import { classifyRecordError, reportBadRecord } from "./bad-records.ts";
import { logCompletion } from "./completion-log.ts";
import { BadRecord } from "./errors.ts";
import { readDeadLetter } from "./events.ts";
import type { JobLedger, LedgerOutcome } from "./job-ledger.ts";
import type { SinkMetrics } from "./metrics.ts";
import type { PartitionPauses } from "./partition-pauses.ts";

export interface JobRecordsIntakeOptions {
  ctx: Pick<ServiceContext, "serde" | "topics">;
  consumer: Pick<Consumer, "commitOffsets">;
  ledger: JobLedger;
  pauses: PartitionPauses;
  metrics: SinkMetrics;
  logger: Logger;
  /** True once the task stops: no more records are taken. */
  draining(): boolean;
}

export class JobRecordsIntake {
  private readonly options: JobRecordsIntakeOptions;

  constructor(options: JobRecordsIntakeOptions) {
    this.options = options;
  }

  async onBatch(payload: EachBatchPayload): Promise<void> {
    const { pauses, metrics, logger, draining } = this.options;
    const { batch, resolveOffset, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    let last: string | undefined;
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || draining()) break;
      try {
        const outcome = await this.handle(topic, message);
        this.logOutcome(topic, partition, message.offset, outcome);
        metrics.records.inc({ topic });
      } catch (err) {
        const classified = classifyRecordError(err);
        if (!(classified instanceof BadRecord)) {
          pauses.pause(pauses.unbufferedPartition(topic, partition), classified, message.offset);
          break;
        }
        reportBadRecord(metrics, logger, topic, partition, message, classified);
      }
      resolveOffset(message.offset);
      last = message.offset;
    }
    if (last === undefined) return;
    try {
      await commitThrough(this.options.consumer, topic, partition, last);
    } catch (err) {
      // What was handled is durable; the next commit of this partition covers it.
      logger.warn({ err, topic, partition, offset: last }, "offset commit failed; it will be covered by the next one");
    }
  }

  private async handle(topic: string, message: KafkaMessage): Promise<LedgerOutcome> {
    const { ctx, ledger, metrics } = this.options;
    if (!message.value) throw new BadRecord("empty", "message has no value");
    if (topic === ctx.topics.jobs) {
      const decoded = await ctx.serde.decodeAs("jobs", message.value);
      return ledger.onJobEvent(readJobEvent(decoded.value));
    }
    const decoded = await ctx.serde.decodeAs("segmentsFailed", message.value);
    const outcome = await ledger.onDeadLetter(readDeadLetter(decoded.value));
    if (outcome.recorded === "ignored") metrics.badRecords.inc({ topic, reason: "unattributed" });
    return outcome;
  }

  private logOutcome(topic: string, partition: number, offset: string, outcome: LedgerOutcome): void {
    const { logger } = this.options;
    if (outcome.recorded === "ignored") {
      logger.debug({ topic, partition, offset, reason: outcome.reason }, "record ignored");
      return;
    }
    logger.debug({ topic, partition, offset, jobId: outcome.job.jobId, recorded: outcome.recorded }, "job record handled");
    if ("completion" in outcome && outcome.completion) logCompletion(logger, topic, partition, outcome.job.jobId, outcome.completion);
  }
}
