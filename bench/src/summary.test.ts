import { describe, expect, it } from "vitest";
import { renderLineChart } from "./line-chart.ts";
import type { BenchmarkResult } from "./report.ts";
import { formatBytes, renderSummary } from "./summary.ts";

const machine = { cpuModel: "Test CPU", cpuCount: 2, memoryBytes: 24 * 2 ** 30, node: "v24.0.0", kernel: "linux 6" };

function result(name: string, overrides: Partial<BenchmarkResult> = {}): BenchmarkResult {
  return {
    name,
    title: `${name} title`,
    mode: "full",
    startedAt: "2026-01-01T00:00:00.000Z",
    durationSeconds: 12,
    machine,
    loadAverage: { before: [0.5, 0.4, 0.3], after: [1, 0.8, 0.5] },
    rows: [],
    notes: [],
    details: {},
    ...overrides,
  };
}

describe("renderSummary", () => {
  it("names the machine once and gives each benchmark its table, notes and charts", () => {
    const md = renderSummary([
      result("memory-flatness", {
        rows: [
          {
            what: "peak RSS",
            baseline: { label: "50 segments", value: 100 * 2 ** 20, unit: "B" },
            subject: { label: "500 segments", value: 110 * 2 ** 20, unit: "B" },
            ratio: 1.1,
            goal: "≤ 1.15",
            met: true,
          },
        ],
        notes: ["a note"],
        charts: [{ file: "memory-flatness.svg", title: "curve" }],
      }),
      result("overhead", {
        rows: [{ what: "WER", baseline: { label: "whole", value: 0.12, unit: "ratio" }, subject: { label: "pipeline", value: 0.16, unit: "ratio" }, delta: 0.04, goal: "within 0.03", met: false }],
      }),
    ]);
    expect(md.match(/Machine: Test CPU, 2 CPUs, 24.0 GiB memory/g)).toHaveLength(1);
    expect(md).toContain("| peak RSS | 50 segments: 100.0 MiB | 500 segments: 110.0 MiB | 1.100 | ≤ 1.15 | yes |");
    expect(md).toContain("| WER | whole: 0.120 | pipeline: 0.160 | Δ +0.040 | within 0.03 | **no** |");
    expect(md).toContain("- a note");
    expect(md).toContain("![curve](memory-flatness.svg)");
    expect(md).toContain("load average before 0.5 / 0.4 / 0.3, after 1 / 0.8 / 0.5");
  });

  it("warns when results come from different machines", () => {
    const md = renderSummary([result("a"), result("b", { machine: { ...machine, cpuCount: 8 } })]);
    expect(md).toContain("more than one machine");
  });
});

describe("formatBytes", () => {
  it("picks the largest binary unit below the value", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(-3 * 2 ** 20)).toBe("-3.0 MiB");
  });
});

describe("renderLineChart", () => {
  it("draws one line per series, labelled in the given order, with escaped text", async () => {
    const svg = await renderLineChart({
      title: "RSS <MiB> & segments",
      xLabel: "segments",
      yLabel: "MiB",
      series: [
        { name: "zeta", points: [[0, 100], [500, 120]] },
        { name: "alpha", points: [[0, 100], [500, 600]] },
      ],
    });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(2);
    expect(svg).toContain("RSS &lt;MiB&gt; &amp; segments");
    expect(svg.indexOf(">zeta<")).toBeGreaterThan(0);
    expect(svg.indexOf(">zeta<")).toBeLessThan(svg.indexOf(">alpha<"));
    // The y axis reaches the highest point.
    expect(svg).toContain(">600<");
  });
});
