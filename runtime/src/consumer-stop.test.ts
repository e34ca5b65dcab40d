import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { consumerStop } from "./consumer-stop.ts";
import { createLogger } from "./logger.ts";

function recorder(failing: string[] = []) {
  const calls: string[] = [];
  const warnings: { step: string }[] = [];
  const step = (name: string) => async () => {
    calls.push(name);
    if (failing.includes(name)) throw new Error(`${name} failed`);
  };
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) warnings.push(JSON.parse(line));
      done();
    },
  });
  const stop = consumerStop({
    stopFetching: step("stop-fetching"),
    drain: step("drain"),
    commit: step("commit"),
    consumer: { stop: step("consumer-stop"), disconnect: step("consumer-disconnect") },
    producer: { disconnect: step("producer-disconnect") },
    release: step("release"),
    logger: createLogger({ level: "warn", destination }),
  });
  return { stop, calls, warnings };
}

const ORDER = ["stop-fetching", "drain", "commit", "consumer-stop", "consumer-disconnect", "producer-disconnect", "release"];

describe("consumerStop", () => {
  it("stops fetching, drains, commits, then stops and disconnects the consumer before the producer, and releases last", async () => {
    const { stop, calls, warnings } = recorder();
    await stop();
    expect(calls).toEqual(ORDER);
    expect(warnings).toEqual([]);
  });

  it("still disconnects and releases when draining and committing fail, naming each failed step", async () => {
    const { stop, calls, warnings } = recorder(["drain", "commit", "consumer-disconnect"]);
    await expect(stop()).resolves.toBeUndefined();
    expect(calls).toEqual(ORDER);
    expect(warnings.map((w) => w.step)).toEqual(["drain", "commit", "consumer-disconnect"]);
  });

  it("runs the sequence once however often stop is called", async () => {
    const { stop, calls } = recorder();
    const first = stop();
    expect(stop()).toBe(first);
    await first;
    await stop();
    expect(calls).toEqual(ORDER);
  });

  it("skips the steps a service does not have", async () => {
    const calls: string[] = [];
    const stop = consumerStop({
      stopFetching: () => void calls.push("stop-fetching"),
      consumer: { stop: async () => void calls.push("consumer-stop"), disconnect: async () => void calls.push("consumer-disconnect") },
      logger: createLogger({ level: "silent" }),
    });
    await stop();
    expect(calls).toEqual(["stop-fetching", "consumer-stop", "consumer-disconnect"]);
  });
});
