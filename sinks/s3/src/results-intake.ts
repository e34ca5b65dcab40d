// Takes asr.results batches into the partition writers. Offsets are resolved
// record by record as they are buffered, so a batch cut short by a pause or a
// full buffer resumes exactly where it stopped; they are committed only by a
// rotation, after what they cover is in S3.

import type { Logger, ServiceContext } from "@lingostream/runtime";
import type { EachBatchPayload, KafkaMessage } from "kafkajs";
import { classifyRecordError, reportBadRecord } from "./bad-records.ts";
import { BadRecord } from "./errors.ts";
import { readSegmentResult } from "./events.ts";
import { toJson } from "./format.ts";
import type { SinkMetrics } from "./metrics.ts";
import type { PartitionPauses } from "./partition-pauses.ts";
import type { ResultRecord } from "./partition-writer.ts";
import type { PartitionWriters } from "./partition-writers.ts";

export interface ResultsIntakeOptions {
  ctx: Pick<ServiceContext, "serde">;
  writers: PartitionWriters;
  pauses: PartitionPauses;
  metrics: SinkMetrics;
  logger: Logger;
  clock: () => number;
  /** True once the task stops: no more records are taken. */
  draining(): boolean;
}

export class ResultsIntake {
  private readonly options: ResultsIntakeOptions;

  constructor(options: ResultsIntakeOptions) {
    this.options = options;
  }

  async onBatch(payload: EachBatchPayload): Promise<void> {
    const { writers, pauses, metrics, logger, draining } = this.options;
    const { batch, resolveOffset, isRunning, isStale } = payload;
    const { partition } = batch;
    await writers.locked(partition, async () => {
      const writer = writers.writerFor(partition);
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || draining() || !writers.isCurrent(writer)) break;
        let record: ResultRecord | undefined;
        try {
          record = await this.toResultRecord(batch.topic, partition, message);
        } catch (err) {
          const classified = classifyRecordError(err);
          if (!(classified instanceof BadRecord)) {
            pauses.pause(writer, classified, message.offset);
            return;
          }
          reportBadRecord(metrics, logger, batch.topic, partition, message, classified);
          writer.skip(message.offset);
          resolveOffset(message.offset);
          continue;
        }
        if (writer.append(record)) metrics.records.inc({ topic: batch.topic });
        resolveOffset(message.offset);
        writers.updateGauge();
        // Backpressure: a full buffer is written out before one more record is
        // taken; if the write fails the partition is paused (see rotate) and
        // this batch ends here, so memory stays at one buffer per partition.
        if (writer.isFull() && !(await writers.rotate(writer, writer.dueReason() ?? "bytes"))) return;
        // The memory backpressure contract as the sink applies it: all buffers
        // together stay under the quota (a share of the process's memory limit);
        // past it the fullest goes out early rather than the partition pausing,
        // since writing is what frees the memory.
        if (writers.overQuota() && !(await writers.rotate(writer, "quota"))) return;
        // The record's tenant past its part of the quota: its buffer here goes out early (the others at the next tick).
        if (writers.overShareTenant() === record.job.tenant && !(await writers.rotate(writer, "quota"))) return;
      }
      const due = writer.dueReason(this.options.clock());
      if (due) await writers.rotate(writer, due);
    });
  }

  private async toResultRecord(topic: string, partition: number, message: KafkaMessage): Promise<ResultRecord> {
    if (!message.value) throw new BadRecord("empty", "message has no value");
    const decoded = await this.options.ctx.serde.decodeAs("results", message.value);
    const result = readSegmentResult(decoded.value);
    this.options.logger.trace({ topic, partition, offset: message.offset, jobId: result.jobId, segmentId: result.segmentId }, "result buffered");
    return {
      offset: message.offset,
      timestamp: message.timestamp,
      key: message.key ? message.key.toString("utf8") : null,
      job: { tenant: result.tenant, jobId: result.jobId },
      index: result.index,
      valueJson: toJson(decoded.value),
    };
  }
}
