// Sample results for the unit tests.

import type { WordTiming } from "../src/events.ts";
import { toJson } from "../src/format.ts";
import type { ResultRecord } from "../src/partition-writer.ts";

export function sampleResult(index: number, options: { tenant?: string; jobId?: string; words?: WordTiming[]; text?: string } = {}) {
  const start = index * 10;
  const words = options.words ?? [
    { text: `w${index}a`, start: start + 0.5, end: start + 1, confidence: 0.9 },
    { text: `w${index}b`, start: start + 1.2, end: start + 2, confidence: 0.8 },
  ];
  return {
    tenant: options.tenant ?? "acme",
    jobId: options.jobId ?? "job-1",
    segmentId: `seg-${index}`,
    index,
    startSeconds: start,
    endSeconds: start + 10,
    language: "en",
    engine: "deterministic",
    text: options.text ?? words.map((w) => w.text).join(" "),
    words,
    droppedWords: 0,
    attempt: 1,
    processingMs: 12,
    producerId: "asr-test",
    eventTime: 1_700_000_000_000,
  };
}

export function sampleRecord(offset: number, index: number, options: Parameters<typeof sampleResult>[1] = {}): ResultRecord {
  const value = sampleResult(index, options);
  return {
    offset: String(offset),
    timestamp: "1700000000000",
    key: value.jobId,
    job: { tenant: value.tenant, jobId: value.jobId },
    index,
    valueJson: toJson(value),
  };
}
