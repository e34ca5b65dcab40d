// Clear errors when a service is not there, and real round trips when it is.

import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { assertBrokersReachable, connectionSpec, createLogger, loadConfig, ObjectStore, PipelineError } from "../../src/index.ts";

const logger = createLogger({ level: "silent" });

describe("broker reachability", () => {
  it("names the address, the variable and the reason when no broker answers", async () => {
    const config = loadConfig(connectionSpec, { KAFKA_BROKERS: "127.0.0.1:1", KAFKA_CONNECT_TIMEOUT_MS: "500" });
    const err = await assertBrokersReachable(config, logger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).code).toBe("broker-unreachable");
    expect((err as Error).message).toBe("cannot reach Kafka at 127.0.0.1:1 (KAFKA_BROKERS): connection refused");
  });

  it("passes against the running stack", async () => {
    const config = loadConfig(connectionSpec, process.env);
    await expect(assertBrokersReachable(config, logger)).resolves.toBeUndefined();
  });
});

describe("ObjectStore on the S3 server", () => {
  const store = new ObjectStore(loadConfig(connectionSpec, process.env));
  const prefix = `it-store-${randomBytes(3).toString("hex")}/`;
  afterAll(async () => {
    for await (const item of store.list(prefix)) await store.delete(item.key);
    store.close();
  });

  it("puts, gets, lists and deletes objects with their sha256", async () => {
    await store.ensureBucket();
    const stored = await store.put(`${prefix}a.bin`, Buffer.from("hello"));
    expect(stored.sha256).toBe("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    await store.put(`${prefix}b.bin`, "world");
    expect((await store.get(`${prefix}a.bin`, 100)).toString()).toBe("hello");
    const keys: string[] = [];
    for await (const item of store.list(prefix)) keys.push(item.key);
    expect(keys.sort()).toEqual([`${prefix}a.bin`, `${prefix}b.bin`]);
    expect(await store.exists(`${prefix}a.bin`)).toBe(true);
    await store.delete(`${prefix}a.bin`);
    expect(await store.exists(`${prefix}a.bin`)).toBe(false);
  });

  it("classifies a missing object and refuses one over the size limit", async () => {
    const missing = await store.get(`${prefix}nope`, 10).catch((e: unknown) => e);
    expect((missing as PipelineError).code).toBe("storage-not-found");
    await store.put(`${prefix}big.bin`, Buffer.alloc(1000));
    const big = await store.get(`${prefix}big.bin`, 10).catch((e: unknown) => e);
    expect((big as PipelineError).code).toBe("oversize");
  });

  it("says where it looked when the S3 server is not there", async () => {
    const offline = new ObjectStore(loadConfig(connectionSpec, { S3_ENDPOINT: "http://127.0.0.1:1" }));
    const err = await offline.put("x", "y").catch((e: unknown) => e);
    offline.close();
    expect((err as PipelineError).code).toBe("storage-unavailable");
    expect((err as Error).message).toContain("http://127.0.0.1:1");
  }, 60_000);
});
