import { describe, expect, it } from "vitest";
import { PlotSeries } from "./plot-series.ts";

describe("PlotSeries", () => {
  it("keeps min, max and the worst level per bucket, whatever the number of samples", () => {
    const p = new PlotSeries({ since: 0, until: 1000, buckets: 10 });
    for (let t = 0; t < 1000; t++) p.add("a", t, 0.5 + (t % 100) / 1000, 0.5 + (t % 100) / 1000, t % 100 === 50 ? "HIGH" : "LOW");
    const [a] = p.plots();
    expect(a?.points).toHaveLength(10);
    expect(a?.points[0]).toEqual({ t: 50, min: 0.5, max: 0.599 });
    // One HIGH sample per bucket makes every bucket HIGH: one period over the whole range.
    expect(a?.periods).toEqual([{ start: 0, end: 1000, level: "HIGH" }]);
  });

  it("shades runs of MODERATE and above, breaks the line at gaps, and caps the sources", () => {
    const p = new PlotSeries({ since: 0, until: 100, buckets: 10, gapMs: 0, maxSources: 1 });
    p.add("a", 5, 0.75, 0.75, "MODERATE");
    p.add("a", 15, 0.75, 0.75, "MODERATE");
    p.add("a", 25, 0.5, 0.5, "LOW");
    p.add("a", 85, 0.95, 0.95, "CRITICAL");
    p.add("b", 5, 0.5, 0.5, "LOW");
    p.add("a", 100, 0.5, 0.5, "LOW");
    const [a] = p.plots();
    expect(a?.periods).toEqual([
      { start: 0, end: 20, level: "MODERATE" },
      { start: 80, end: 90, level: "CRITICAL" },
    ]);
    expect(a?.points.map((x) => x.max)).toEqual([0.75, 0.75, 0.5, null, 0.95]);
    expect([...p.skipped]).toEqual(["b"]);
  });
});
