import { describe, expect, it } from "vitest";
import { partitionKey, ScanProgress } from "./scan-progress.ts";

const key = partitionKey("t", 0);
const at = (...offsets: number[]) => offsets.map((o) => ({ offset: String(o) }));

describe("ScanProgress", () => {
  it("reads only partitions with something between start and end", () => {
    const progress = new ScanProgress([
      { topic: "t", partition: 0, start: 10n, end: 20n },
      { topic: "t", partition: 1, start: 5n, end: 5n },
    ]);
    expect(progress.active.map((b) => b.partition)).toEqual([0]);
    expect(progress.ended(partitionKey("t", 1))).toBe(true);
    expect(progress.take(partitionKey("t", 1), at(5), "5")).toBeUndefined();
  });

  it("takes a batch's records from the position to the end offset, skipping what came before and what repeats", () => {
    const progress = new ScanProgress([{ topic: "t", partition: 0, start: 10n, end: 14n }]);
    const take = progress.take(key, at(8, 9, 10, 11, 11, 13, 14, 15), "15");
    expect(take?.records.map((r) => r.offset)).toEqual(["10", "11", "13"]);
    expect(take?.reached).toBe(14n);
    expect(progress.ended(key)).toBe(false);
    expect(progress.advance(key, take?.reached ?? 0n)).toBe(true);
    expect(progress.take(key, at(14), "14")).toBeUndefined();
  });

  it("steps over a hole left by compaction by the batch's own last offset", () => {
    const progress = new ScanProgress([{ topic: "t", partition: 0, start: 0n, end: 100n }]);
    const take = progress.take(key, at(0, 1), "7");
    expect(take?.reached).toBe(8n);
    progress.advance(key, 8n);
    expect(progress.take(key, at(1, 8), "8")?.records.map((r) => r.offset)).toEqual(["8"]);
  });

  it("ends a partition where it got to, and names only the unfinished ones", () => {
    const progress = new ScanProgress([
      { topic: "t", partition: 0, start: 0n, end: 10n },
      { topic: "t", partition: 1, start: 0n, end: 10n },
    ]);
    progress.end(key);
    expect(progress.ended(key)).toBe(true);
    expect(progress.unfinished().map((b) => b.partition)).toEqual([1]);
  });
});
