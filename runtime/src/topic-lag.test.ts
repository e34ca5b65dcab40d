import { describe, expect, it } from "vitest";
import { topicLag } from "./topic-lag.ts";

describe("topicLag", () => {
  it("computes lag from committed offsets, from the log start where nothing was committed", () => {
    const ends = [
      { partition: 0, low: "0", high: "10" },
      { partition: 1, low: "5", high: "8" },
      { partition: 2, low: "20", high: "30" },
    ];
    const lag = topicLag("t", ends, [
      { partition: 0, offset: "7" },
      { partition: 1, offset: "-1" },
      { partition: 2, offset: "12" },
    ]);
    // 3 behind on p0; p1 never committed: 3 retained; p2 committed below the log start: 10.
    expect(lag).toEqual({ topic: "t", lag: 16, partitions: 3, uncommitted: 1 });
    expect(topicLag("t", ends, []).lag).toBe(10 + 3 + 10);
  });
});
