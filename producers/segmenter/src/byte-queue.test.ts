import { describe, expect, it } from "vitest";
import { ByteQueue } from "./byte-queue.ts";

describe("ByteQueue", () => {
  it("shifts across chunk boundaries into an owned buffer", () => {
    const queue = new ByteQueue();
    queue.push(Uint8Array.of(1, 2, 3));
    queue.push(new Uint8Array(0));
    queue.push(Uint8Array.of(4));
    queue.push(Uint8Array.of(5, 6));
    expect(queue.length).toBe(6);
    expect([...queue.shift(2)]).toEqual([1, 2]);
    expect([...queue.shift(3)]).toEqual([3, 4, 5]);
    expect(queue.length).toBe(1);
    expect([...queue.shift(0)]).toEqual([]);
    expect([...queue.shift(1)]).toEqual([6]);
    expect(queue.length).toBe(0);
  });

  it("keeps order over many tiny chunks (exercises compaction)", () => {
    const queue = new ByteQueue();
    const expected: number[] = [];
    const got: number[] = [];
    for (let i = 0; i < 5000; i++) {
      queue.push(Uint8Array.of(i % 256));
      expected.push(i % 256);
      if (i % 7 === 6) got.push(...queue.shift(5));
    }
    got.push(...queue.shift(queue.length));
    expect(got).toEqual(expected);
  });

  it("refuses to take more than it holds", () => {
    const queue = new ByteQueue();
    queue.push(Uint8Array.of(1));
    expect(() => queue.shift(2)).toThrow(/cannot take 2 bytes from a queue of 1/);
  });
});
