// Kafka's bytes on disk per asr.segments and asr.results record, checked
// against the capacity plan's record overhead: on the local stack, records of
// the pipeline's sizes sent one per awaited send (as the segmenter and the ASR
// processors send them) beside the same records 100 to a send, then the
// partition's log file size over the records it holds. Prints one JSON line.
//   node --conditions=@lingostream/source bench/src/capacity-plan-record-bytes.ts [records]

import { randomBytes } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { connectionSpec, createKafka, createLogger, loadConfig } from "@lingostream/runtime";
import type { Admin, Kafka } from "kafkajs";
import { SPEECH_WORDS_PER_SECOND, segmentRecords } from "./capacity-plan-inputs.ts";
import { stackDir } from "./stack-processes.ts";

const RECORDS = Number(process.argv[2] ?? 1000);
if (!(Number.isInteger(RECORDS) && RECORDS > 0)) {
  process.stderr.write(`records must be a positive integer, got ${JSON.stringify(process.argv[2])}\n`);
  process.exit(2);
}

/** Sum of the partition's .log files: the records as Kafka stores them (indexes left out). */
async function logBytes(topic: string): Promise<number> {
  const dir = join(stackDir(), "kafka", "kraft", `${topic}-0`);
  let total = 0;
  for (const name of await readdir(dir)) if (name.endsWith(".log")) total += (await stat(join(dir, name))).size;
  return total;
}

async function measure(kafka: Kafka, admin: Admin, topic: string, record: { key: string; value: Buffer }, perSend: number): Promise<number> {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let sent = 0; sent < RECORDS; sent += perSend) {
      await producer.send({ topic, acks: -1, messages: Array.from({ length: Math.min(perSend, RECORDS - sent) }, () => record) });
    }
  } finally {
    await producer.disconnect();
  }
  return (await logBytes(topic)) / RECORDS;
}

const config = loadConfig(connectionSpec, process.env);
const kafka = createKafka(config, createLogger({ level: "warn" }), "capacity-record-bytes");
const admin = kafka.admin();
await admin.connect();
const prefix = `capacity-record-bytes-${randomBytes(3).toString("hex")}`;
const topics: string[] = [];
try {
  const records = segmentRecords(Math.round(SPEECH_WORDS_PER_SECOND * 30));
  const out: Record<string, unknown> = { records: RECORDS };
  for (const [kind, record] of Object.entries(records)) {
    const payload = record.value.byteLength + Buffer.byteLength(record.key);
    for (const perSend of [1, 100]) {
      const topic = `${prefix}-${kind}-${perSend}-per-send`;
      topics.push(topic);
      const onDisk = await measure(kafka, admin, topic, record, perSend);
      out[`${kind}, ${perSend} per send`] = { keyAndValue: payload, onDisk, overhead: onDisk - payload };
    }
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
} catch (err) {
  process.stderr.write(`record bytes: ${(err as Error).message} (the local stack, with its log folder at ${stackDir()}, must be up)\n`);
  process.exitCode = 1;
} finally {
  await admin.deleteTopics({ topics }).catch(() => {});
  await admin.disconnect();
}
