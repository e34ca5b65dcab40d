import { setTimeout as sleep } from "node:timers/promises";
import { PipelineError } from "@lingostream/errors";
import { exposeGc } from "@lingostream/testkit/expose-gc";
import { describe, expect, it } from "vitest";
import { type BufferHandle, HandleRegistry } from "./audio-handles.ts";
import { BufferPool } from "./buffer-pool.ts";

const gc = exposeGc();

function pool(maxBytes = 100, maxIdleBytes?: number) {
  const registry = new HandleRegistry();
  return { registry, pool: new BufferPool({ maxBytes, maxIdleBytes, registry }) };
}

describe("BufferPool", () => {
  it("hands out buffers of the asked size and reuses released ones", async () => {
    const { pool: p, registry } = pool(100, 100);
    const a = await p.acquire(40);
    expect(a.buffer.byteLength).toBe(40);
    expect(registry.live).toBe(1);
    const backing = a.buffer.buffer;
    a.release();
    expect(p.stats).toMatchObject({ inUseBytes: 0, idleBytes: 40, idleBuffers: 1 });
    const b = await p.acquire(30);
    expect(b.buffer.byteLength).toBe(30);
    expect(b.buffer.buffer).toBe(backing);
    expect(p.stats).toMatchObject({ inUseBytes: 40, idleBytes: 0 });
  });

  it("does not let a small request pin a buffer more than twice its size", async () => {
    const { pool: p } = pool(100, 100);
    (await p.acquire(60)).release();
    const small = await p.acquire(10);
    expect(p.stats).toMatchObject({ inUseBytes: 10, idleBytes: 60 });
    small.release();
  });

  it("refuses a buffer larger than the pool at once", async () => {
    const { pool: p } = pool(100);
    await expect(p.acquire(101)).rejects.toMatchObject({ code: "oversize" });
  });

  it("fails fast when exhausted and asked not to wait", async () => {
    const { pool: p } = pool(100);
    const held = await p.acquire(80);
    await expect(p.acquire(30, { timeoutMs: 0 })).rejects.toSatisfy((e) => e instanceof PipelineError && e.code === "timeout" && e.retriable);
    expect(p.tryAcquire(30)).toBeUndefined();
    held.release();
    expect(p.tryAcquire(30)).toBeDefined();
  });

  it("makes a waiter wait until enough is released, first come first served", async () => {
    const { pool: p } = pool(100, 0);
    const held = await p.acquire(90);
    const order: string[] = [];
    const served = (label: string) => (h: BufferHandle) => {
      order.push(label);
      return h;
    };
    const big = p.acquire(60, { label: "big" }).then(served("big"));
    const small = p.acquire(5, { label: "small" }).then(served("small"));
    await Promise.resolve();
    // 10 bytes are free, enough for "small", but it queues behind "big".
    expect(order).toEqual([]);
    expect(p.stats.waiting).toBe(2);
    held.release();
    const [b, s] = await Promise.all([big, small]);
    expect(order).toEqual(["big", "small"]);
    expect(b.label).toBe("big");
    expect(p.stats).toMatchObject({ inUseBytes: 65, waiting: 0 });
    s.release();
    b.release();
  });

  it("gives up waiting after the timeout or an abort, and lets the next waiter through", async () => {
    const { pool: p } = pool(100, 0);
    const held = await p.acquire(90);
    await expect(p.acquire(50, { timeoutMs: 5 })).rejects.toMatchObject({ code: "timeout" });
    const controller = new AbortController();
    const aborted = p.acquire(50, { signal: controller.signal });
    const next = p.acquire(8);
    controller.abort(new Error("shutting down"));
    await expect(aborted).rejects.toMatchObject({ code: "aborted" });
    // With the blocking head gone, the 8 bytes fit in the 10 that are free.
    expect((await next).byteLength).toBe(8);
    expect(p.stats.waiting).toBe(0);
    held.release();
  });

  it("keeps held plus idle bytes under the maximum, evicting idle buffers to make room", async () => {
    const { pool: p } = pool(100, 100);
    (await p.acquire(50)).release();
    (await p.acquire(20)).release();
    expect(p.stats.idleBytes).toBe(70);
    const h = await p.acquire(90);
    expect(p.stats.inUseBytes + p.stats.idleBytes).toBeLessThanOrEqual(100);
    h.release();
  });

  it("drain() frees every idle buffer for emergency cleanup", async () => {
    const { pool: p } = pool(100, 100);
    (await p.acquire(30)).release();
    (await p.acquire(70)).release();
    expect(p.drain()).toBe(100);
    expect(p.stats).toMatchObject({ idleBytes: 0, idleBuffers: 0 });
  });

  it("releases a pooled handle on a thrown error inside `using`", async () => {
    const { pool: p, registry } = pool(100);
    await expect(
      (async () => {
        using h = await p.acquire(50);
        h.buffer.fill(1);
        throw new Error("decode failed");
      })(),
    ).rejects.toThrow("decode failed");
    expect(p.stats.inUseBytes).toBe(0);
    expect(registry.live).toBe(0);
  });

  it.skipIf(!gc)("takes back the accounting (never the buffer) of a handle collected unreleased", async () => {
    const { pool: p, registry } = pool(100, 100);
    await (async () => {
      await p.acquire(100);
    })();
    const waiter = p.acquire(100);
    for (let i = 0; i < 50 && registry.leaked === 0; i++) {
      gc?.();
      await sleep(1);
    }
    expect(registry.leaked).toBe(1);
    const h = await waiter;
    expect(p.stats).toMatchObject({ inUseBytes: 100, idleBytes: 0 });
    h.release();
  });
});
