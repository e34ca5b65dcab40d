// What the sink logs of a job's completion check: a completed job at info with
// its transcript keys, anything else at debug.

import type { Logger } from "@lingostream/runtime";
import type { CompletionOutcome } from "./job-completion.ts";

export function logCompletion(logger: Logger, topic: string, partition: number, jobId: string, outcome: CompletionOutcome): void {
  if (outcome.status !== "completed") {
    logger.debug({ topic, partition, jobId, ...outcome }, "job checked");
    return;
  }
  const { transcript } = outcome;
  logger.info({ topic, partition, jobId, segmentCount: transcript.segmentCount, failedCount: transcript.failedCount, keys: transcript.keys }, "job completed");
}
