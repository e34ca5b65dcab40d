import type { Kafka } from "kafkajs";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { PressureGovernor } from "./governor.ts";
import { PressureSubscriber } from "./pressure-subscriber.ts";

type Batch = { partition: number; messages: { key: Buffer | null; value: Buffer | null; offset: string }[]; lastOffset(): string };
type EachBatch = (payload: { batch: Batch }) => Promise<void>;

/** Just enough of kafkajs: topic offsets from the admin, and a consumer whose batches the test delivers. */
function fakeKafka(offsets: { partition: number; low: string; high: string }[]) {
  const calls: string[] = [];
  let eachBatch: EachBatch | undefined;
  const kafka = {
    admin: (options?: { retry?: { retries?: number } }) => ({
      connect: async () => {},
      disconnect: async () => {},
      fetchTopicOffsets: async () => offsets.map((o) => ({ ...o, offset: o.high })),
      deleteGroups: async (ids: string[]) => void calls.push(`deleteGroups ${ids.join(",")} retries=${options?.retry?.retries ?? "default"}`),
    }),
    consumer: ({ groupId }: { groupId: string }) => ({
      connect: async () => void calls.push(`connect ${groupId}`),
      subscribe: async (s: { topics: string[]; fromBeginning: boolean }) => void calls.push(`subscribe ${s.topics.join(",")} fromBeginning=${s.fromBeginning}`),
      run: async (r: { autoCommit: boolean; eachBatch: EachBatch }) => {
        calls.push(`run autoCommit=${r.autoCommit}`);
        eachBatch = r.eachBatch;
      },
      disconnect: async () => void calls.push("disconnect"),
    }),
  } as unknown as Kafka;
  const deliver = (partition: number, messages: [offset: number, key: string | null, value: string | null][]) =>
    eachBatch!({
      batch: {
        partition,
        messages: messages.map(([offset, key, value]) => ({ offset: String(offset), key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value) })),
        lastOffset: () => String(messages.at(-1)![0]),
      },
    });
  return { kafka, calls, deliver };
}

/** Stands in for EventSerde: JSON bodies, "bad" is malformed, "down" is a registry outage. */
const serde = {
  async decodeAs(_key: "memoryPressure", bytes: Uint8Array) {
    const text = Buffer.from(bytes).toString();
    if (text === "bad") throw Object.assign(new Error("not Avro"), { retriable: false });
    if (text === "down") throw Object.assign(new Error("registry unavailable"), { retriable: true });
    return { topicKey: "memoryPressure" as const, schemaId: 1, value: JSON.parse(text) };
  },
};

const now = 1_000_000;
const event = (level: string, sourceId = "h") =>
  JSON.stringify({ sourceId, host: "h", level, usedRatio: 0.5, sampleIntervalMs: 1000, eventTime: now, reason: "heartbeat" });

function setup(offsets: { partition: number; low: string; high: string }[]) {
  const fake = fakeKafka(offsets);
  const governor = new PressureGovernor({ maxInFlight: 2, heartbeatIntervalMs: 1000, host: "h", clock: () => now });
  const subscriber = new PressureSubscriber({
    kafka: fake.kafka,
    serde: serde as never,
    topic: "p.asr.memory.pressure",
    governor,
    logger: createLogger({ level: "silent" }),
    groupId: "worker-1-pressure",
    clock: () => now,
  });
  return { ...fake, governor, subscriber };
}

describe("PressureSubscriber", () => {
  it("reads the whole topic from the beginning under its own group, without committing", async () => {
    const { subscriber, calls } = setup([]);
    await subscriber.start();
    await subscriber.caughtUp;
    expect(calls).toEqual(["connect worker-1-pressure", "subscribe p.asr.memory.pressure fromBeginning=true", "run autoCommit=false"]);
    await subscriber.stop();
    // Best effort without retries: a stop while the broker is down must not wait out the retry budget.
    expect(calls.slice(-2)).toEqual(["disconnect", "deleteGroups worker-1-pressure retries=0"]);
  });

  it("is caught up once every non-empty partition is read to the end it had at start", async () => {
    const { subscriber, deliver } = setup([
      { partition: 0, low: "0", high: "2" },
      { partition: 1, low: "5", high: "5" },
      { partition: 2, low: "0", high: "1" },
    ]);
    await subscriber.start();
    let caughtUp = false;
    void subscriber.caughtUp.then(() => {
      caughtUp = true;
    });
    await deliver(0, [[1, "h", event("LOW")]]);
    await deliver(2, [[0, "h2", event("LOW", "h2")]]);
    await Promise.resolve();
    expect(caughtUp).toBe(true);
  });

  it("feeds the governor, forgets a source on a tombstone, and skips what does not decode", async () => {
    const { subscriber, deliver, governor } = setup([{ partition: 0, low: "0", high: "10" }]);
    await subscriber.start();
    await deliver(0, [
      [0, "h", "bad"],
      [1, "h", "down"],
      [2, "h", "down"],
      [3, "h", event("CRITICAL")],
    ]);
    expect(governor.state).toMatchObject({ level: "CRITICAL", paused: true });
    await deliver(0, [[4, "h", null]]);
    expect(governor.state).toMatchObject({ level: "LOW", paused: false });
    expect(subscriber.stats).toEqual({ applied: 1, tombstone: 1, malformed: 1, unavailable: 2 });
  });
});
