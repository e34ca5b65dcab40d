import { createLogger, Registry } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../test/memory-storage.ts";
import { createSinkMetrics } from "./metrics.ts";
import { PartitionPauses } from "./partition-pauses.ts";
import { PartitionWriter } from "./partition-writer.ts";

const policy = { retries: 0, minDelayMs: 100, maxDelayMs: 1_000, factor: 2 };

function setup() {
  let now = 10_000;
  const calls: string[] = [];
  const consumer = {
    pause: (topics: { topic: string; partitions?: number[] }[]) => void calls.push(`pause ${topics[0]?.topic}:${topics[0]?.partitions}`),
    resume: (topics: { topic: string; partitions?: number[] }[]) => void calls.push(`resume ${topics[0]?.topic}:${topics[0]?.partitions}`),
  };
  const registry = new Registry();
  const metrics = createSinkMetrics(registry);
  const current = new Set<PartitionWriter>();
  const pauses = new PartitionPauses({
    consumer,
    metrics,
    logger: createLogger({ level: "silent" }),
    retryPolicy: policy,
    clock: () => now,
    writers: () => current,
    isCurrent: (writer) => current.has(writer),
  });
  const gauge = async () => (await registry.getSingleMetric("lingostream_sink_paused_partitions")?.get())?.values[0]?.value;
  const writer = (partition: number) =>
    new PartitionWriter({ topic: "asr.results", partition, storage: new MemoryStorage(), limits: { maxRecords: 1, maxBytes: 1, maxAgeMs: 1 }, commit: async () => {} });
  return { pauses, calls, current, gauge, writer, advance: (ms: number) => (now += ms) };
}

describe("PartitionPauses", () => {
  it("stops fetching a failed asr.jobs partition and fetches it again once its backoff has passed", async () => {
    const { pauses, calls, gauge, advance } = setup();
    pauses.pause(pauses.unbufferedPartition("asr.jobs", 2), new Error("registry down"), "7");
    expect(pauses.isUnbufferedPaused("asr.jobs", 2)).toBe(true);
    expect(calls).toEqual(["pause asr.jobs:2"]);
    expect(await gauge()).toBe(1);
    pauses.resumeDueUnbuffered(advance(0));
    expect(calls).toEqual(["pause asr.jobs:2"]);
    pauses.resumeDueUnbuffered(advance(1_000));
    expect(calls).toEqual(["pause asr.jobs:2", "resume asr.jobs:2"]);
    expect(pauses.isUnbufferedPaused("asr.jobs", 2)).toBe(false);
    expect(await gauge()).toBe(0);
  });

  it("counts paused writers in the gauge and drops the pause of a writer a rebalance retired", async () => {
    const { pauses, current, gauge, writer } = setup();
    const assigned = writer(0);
    current.add(assigned);
    pauses.pause(assigned, new Error("S3 down"));
    expect(assigned.paused).toBe(true);
    expect(await gauge()).toBe(1);
    const retired = writer(1);
    pauses.pause(retired, new Error("S3 down"));
    expect(retired.paused).toBe(false);
    expect(await gauge()).toBe(1);
  });

  it("lifts every unbuffered pause after a rebalance, fetching those partitions again", async () => {
    const { pauses, calls, gauge } = setup();
    pauses.pause(pauses.unbufferedPartition("asr.segments.failed", 0), new Error("S3 down"));
    pauses.reset();
    expect(calls).toEqual(["pause asr.segments.failed:0", "resume asr.segments.failed:0"]);
    expect(pauses.isUnbufferedPaused("asr.segments.failed", 0)).toBe(false);
    expect(await gauge()).toBe(0);
  });
});
