import { describe, expect, it } from "vitest";
import { ArrivalOrder } from "./arrival-order.ts";

describe("ArrivalOrder", () => {
  it("passes items on in the order pushed, across streams, and holds nothing back", () => {
    const order = new ArrivalOrder<string>(["a", "b"]);
    order.push("b", ["b1", "b2"]);
    order.push("a", ["a1"]);
    const out: string[] = [];
    expect(order.drain((item) => out.push(item))).toBe(3);
    expect(out).toEqual(["b1", "b2", "a1"]);
    expect(order.buffered()).toBe(0);
    expect(order.overfull()).toEqual([]);
  });

  it("is done only once every stream has ended and everything was drained", () => {
    const order = new ArrivalOrder<number>(["a", "b"]);
    order.push("a", [1]);
    order.end("a");
    order.end("b");
    expect(order.done).toBe(false);
    order.drain(() => {});
    expect(order.done).toBe(true);
  });
});
