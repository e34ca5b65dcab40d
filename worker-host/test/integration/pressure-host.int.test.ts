// Pressure per node on the real stack: the monitor role, configured by env as
// on Kubernetes (LINGOSTREAM_PRESSURE_HOST from the node name), publishes under
// that host and its configured source id; a worker configured with the same
// host obeys it and pauses, a worker configured with another host reads the
// same events and ignores them.

import { loadMemoryConfig, type RunningService, type ServiceContext } from "@lingostream/runtime";
import { createStackContext, type StackContext, waitFor } from "@lingostream/testkit";
import type { Counter } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServices, stopServices } from "../../src/services.ts";
import { startWorkerMemory, type WorkerMemory } from "../../src/worker-memory.ts";

const TIMEOUT_MS = 60_000;

let stack: StackContext;
const stops: (() => Promise<void>)[] = [];

/** MemoryPressure records this worker's subscriber has read and handed to its governor. */
async function applied(ctx: ServiceContext): Promise<number> {
  const counter = ctx.metrics.getSingleMetric("lingostream_pressure_subscriber_messages_total") as Counter<"outcome"> | undefined;
  const values = (await counter?.get())?.values ?? [];
  return values.find((v) => v.labels.outcome === "applied")?.value ?? 0;
}

async function worker(host: string): Promise<{ ctx: ServiceContext; memory: WorkerMemory }> {
  const ctx = stack.another(`worker-${host}`);
  const memory = await startWorkerMemory(ctx, loadMemoryConfig({ ...stack.env, LINGOSTREAM_PRESSURE_HOST: host }), 2);
  stops.push(() => memory.stop());
  return { ctx, memory };
}

beforeAll(async () => {
  stack = await createStackContext("pressure-host");
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  await stack?.cleanup();
});

describe("LINGOSTREAM_PRESSURE_HOST across Kafka", () => {
  it("a monitor on node-a pauses the worker configured with node-a and not the one configured with node-b", async () => {
    const sourceId = `${stack.prefix}probe`;
    const monitorEnv = {
      ...stack.env,
      LINGOSTREAM_PRESSURE_HOST: "node-a",
      LINGOSTREAM_PRESSURE_SOURCE_ID: sourceId,
      LINGOSTREAM_PRESSURE_INTERVAL_MS: "200",
      LINGOSTREAM_TREND_WINDOW_MS: "1000",
      // All of the limit must stay free: whatever the machine uses, this monitor reports at least HIGH.
      LINGOSTREAM_MEMORY_MIN_FREE_RATIO: "1",
    };
    const monitor: RunningService[] = await startServices(stack.another("monitor"), ["monitor"], monitorEnv);
    stops.push(() => stopServices(monitor));

    const onNodeA = await worker("node-a");
    const onNodeB = await worker("node-b");

    const obeyed = await waitFor(
      () => {
        const state = onNodeA.memory.governor.tick();
        return state.remoteLevel === "HIGH" || state.remoteLevel === "CRITICAL" ? state : undefined;
      },
      "the node-a worker to obey the node-a monitor",
      TIMEOUT_MS,
      50,
    );
    expect(obeyed).toMatchObject({ paused: true, acceptNewWork: false, freshRemoteSources: 1 });

    // The node-b worker has read the monitor's events too (the topic is the same), and none counted.
    await waitFor(async () => ((await applied(onNodeB.ctx)) >= 2 ? true : undefined), "the node-b worker to read the monitor's events", TIMEOUT_MS, 50);
    expect(onNodeB.memory.governor.tick()).toMatchObject({ remoteLevel: undefined, freshRemoteSources: 0 });

    // The events are keyed by the configured source id, not the machine's host name.
    const keys = await readPressureKeys(stack.ctx);
    expect(keys).toEqual(new Set([sourceId]));
  });
});

/** The distinct keys on this test's memory-pressure topic, read from the start to its current end. */
async function readPressureKeys(ctx: ServiceContext): Promise<Set<string>> {
  const admin = ctx.kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(ctx.topics.memoryPressure).finally(() => admin.disconnect());
  const pending = new Map(ends.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
  const keys = new Set<string>();
  const consumer = ctx.kafka.consumer({ groupId: `${ctx.topics.memoryPressure}-keys`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: ctx.topics.memoryPressure, fromBeginning: true });
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
      if (pending.size === 0) resolve();
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (message.key) keys.add(message.key.toString("utf8"));
        const end = pending.get(partition);
        if (end !== undefined && BigInt(message.offset) + 1n >= end) pending.delete(partition);
        if (pending.size === 0) done();
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return keys;
}
