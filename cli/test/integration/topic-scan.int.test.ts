// The bounded topic scan on the real stack, in arrival order (no time merge):
// what `failed list` and `replay` rely on. It reads each partition in offset
// order up to the end offsets recorded at the start, reports a stall instead of
// failing when asked to, and leaves no consumer group behind.

import { setTimeout as sleep } from "node:timers/promises";
import { createStackContext, type StackContext } from "@lingostream/testkit";
import type { Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanEvents, scanTopics } from "../../src/topic-scan/topic-scan.ts";

const KEYS = 10;
const PER_KEY = 20;

describe("bounded topic scan in arrival order", () => {
  let stack: StackContext;
  let producer: Producer;

  beforeAll(async () => {
    stack = await createStackContext("topic-scan", { partitions: 2 });
    producer = stack.ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await stack?.cleanup();
  });

  async function groupsOf(prefix: string): Promise<string[]> {
    const admin = stack.ctx.kafka.admin();
    await admin.connect();
    try {
      return (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    } finally {
      await admin.disconnect();
    }
  }

  it("reads every record below the end offsets of the start once, each key in write order, and deletes its group", async () => {
    const { ctx } = stack;
    const topics = [ctx.topics.segments, ctx.topics.results];
    for (const topic of topics) {
      for (let seq = 0; seq < PER_KEY; seq++) {
        await producer.send({ topic, acks: -1, messages: Array.from({ length: KEYS }, (_, k) => ({ key: `k${k}`, value: `${k}|${seq}` })) });
      }
    }
    const groupId = `${stack.prefix}scan-order`;
    const seen = new Map<string, number[]>();
    let late: Promise<unknown> | undefined;
    const result = await scanTopics<{ topic: string; key: string; seq: number }>({
      kafka: ctx.kafka,
      topics,
      groupId,
      async decode(topic, message) {
        const [key, seq] = message.value!.toString().split("|");
        return { topic, key: key!, seq: Number(seq) };
      },
      onItem(item) {
        // Written while the scan runs: past the end offsets it recorded, so never read.
        late ??= producer.send({ topic: item.topic, acks: -1, messages: [{ key: item.key, value: `${item.key}|late` }] });
        const id = `${item.topic}/${item.key}`;
        seen.set(id, [...(seen.get(id) ?? []), item.seq]);
      },
    });
    await late;

    expect(result).toMatchObject({ messages: 2 * KEYS * PER_KEY, items: 2 * KEYS * PER_KEY, incomplete: [] });
    expect(seen.size).toBe(2 * KEYS);
    for (const seqs of seen.values()) expect(seqs).toEqual([...Array(PER_KEY).keys()]);
    expect(await groupsOf(groupId)).toEqual([]);
  });

  it("scanEvents counts records it cannot decode instead of passing them on, and deletes its group", async () => {
    const { ctx } = stack;
    await producer.send({ topic: ctx.topics.segmentsFailed, acks: -1, messages: [{ key: "a", value: "not an event" }, { key: "b", value: null }] });
    const events: unknown[] = [];
    const result = await scanEvents(ctx, [ctx.topics.segmentsFailed], (e) => events.push(e));
    expect(result).toEqual({ messages: 2, undecodable: 2, incomplete: [] });
    expect(events).toEqual([]);
    expect(await groupsOf(`${ctx.config.kafkaClientId}-scan-${ctx.instanceId}`)).toEqual([]);
  });

  it("with onStall 'stop', a partition that makes no progress ends the scan with what was read and is named incomplete", async () => {
    const { ctx } = stack;
    const topic = ctx.topics.jobs;
    await producer.send({ topic, acks: -1, messages: [0, 1, 2].map((i) => ({ partition: 1, key: `j${i}`, value: `${i}` })) });
    const groupId = `${stack.prefix}scan-stall`;
    const items: string[] = [];
    let decoded = 0;
    const result = await scanTopics<string>({
      kafka: ctx.kafka,
      topics: [topic],
      groupId,
      stallTimeoutMs: 1000,
      onStall: "stop",
      async decode(_topic, message) {
        // The first record takes far longer than the stall timeout: no progress meanwhile.
        if (decoded++ === 0) await sleep(5000);
        return message.value!.toString();
      },
      onItem: (item) => items.push(item),
    });
    expect(result.incomplete).toEqual([`${topic}:1`]);
    expect(items).toEqual([]);
    expect(await groupsOf(groupId)).toEqual([]);
  });
});
