import { describe, expect, it } from "vitest";
import { TimeMerge } from "./time-merge.ts";

const merge = (streams: string[], highWater?: number) => new TimeMerge<{ s: string; t: number }>(streams, { timeOf: (x) => x.t, highWater });
const items = (s: string, ...times: number[]) => times.map((t) => ({ s, t }));

describe("TimeMerge", () => {
  it("releases nothing until every running stream has shown how far it got", () => {
    const m = merge(["a", "b"]);
    const out: number[] = [];
    m.push("a", items("a", 1, 5, 9));
    expect(m.drain((x) => out.push(x.t))).toBe(0);
    m.push("b", items("b", 3, 6));
    m.drain((x) => out.push(x.t));
    // Up to b's 6: a's 9 could still be preceded by b's next item.
    expect(out).toEqual([1, 3, 5, 6]);
    m.end("b");
    m.drain((x) => out.push(x.t));
    expect(out).toEqual([1, 3, 5, 6, 9]);
    expect(m.done).toBe(false);
    m.end("a");
    expect(m.done).toBe(true);
  });

  it("keeps equal times in stream order and treats an ended empty stream as no constraint", () => {
    const m = merge(["a", "b", "c"]);
    m.end("c");
    m.push("a", items("a", 2, 2));
    m.push("b", items("b", 2));
    const out: string[] = [];
    m.drain((x) => out.push(`${x.s}${x.t}`));
    expect(out).toEqual(["a2", "a2", "b2"]);
  });

  it("asks a stream that runs ahead to pause, and never the one holding the watermark", () => {
    const m = merge(["fast", "slow"], 3);
    m.push("fast", items("fast", 10, 11, 12, 13));
    m.push("slow", items("slow", 1));
    m.drain(() => {});
    expect(m.overfull()).toEqual(["fast"]);
    expect(m.buffered("slow")).toBe(0);
    m.push("slow", items("slow", 12));
    m.drain(() => {});
    expect(m.buffered("fast")).toBe(1);
    expect(m.overfull()).toEqual([]);
  });

  it("does not let a clock step back inside a stream lower its watermark", () => {
    const m = merge(["a", "b"]);
    m.push("a", items("a", 10, 4));
    expect(m.watermark).toBe(Number.NEGATIVE_INFINITY);
    m.push("b", items("b", 20));
    expect(m.watermark).toBe(10);
  });
});
