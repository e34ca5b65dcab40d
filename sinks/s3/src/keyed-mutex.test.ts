import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { KeyedMutex } from "./keyed-mutex.ts";

describe("KeyedMutex", () => {
  it("runs work for one key in order and forgets idle keys", async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const slow = mutex.run("p0", async () => {
      await sleep(10);
      order.push("first");
    });
    const fast = mutex.run("p0", async () => {
      order.push("second");
    });
    const other = mutex.run("p1", async () => {
      order.push("other");
    });
    await Promise.all([slow, fast, other]);
    expect(order).toEqual(["other", "first", "second"]);
    expect(mutex.activeKeys).toBe(0);
  });

  it("releases the key when the work throws", async () => {
    const mutex = new KeyedMutex();
    await expect(mutex.run("k", async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    await expect(mutex.run("k", async () => 1)).resolves.toBe(1);
  });
});
