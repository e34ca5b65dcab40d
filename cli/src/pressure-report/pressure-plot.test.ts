// Renders the plot for real (Vega to SVG, resvg to PNG) and checks it is an
// image that shows something, not that it looks a certain way.

import { describe, expect, it } from "vitest";
import { PlotSeries } from "./plot-series.ts";
import { pressurePlotSpec, renderPressurePlot, renderSvg, svgToPng } from "./pressure-plot.ts";

const since = Date.UTC(2025, 0, 1);
const until = since + 6 * 3_600_000;

function input() {
  const series = new PlotSeries({ since, until });
  for (let t = since; t < until; t += 2000) {
    const ratio = 0.5 + 0.45 * Math.sin(((t - since) / (until - since)) * Math.PI);
    series.add("host-a", t, ratio, ratio, ratio >= 0.9 ? "CRITICAL" : ratio >= 0.8 ? "HIGH" : ratio >= 0.7 ? "MODERATE" : "LOW");
    series.add("host-b", t, 0.3, 0.35, "LOW");
  }
  return { since, until, thresholds: { safeRatio: 0.7, warningRatio: 0.8, criticalRatio: 0.9 }, sources: series.plots() };
}

describe("pressure plot", () => {
  it("renders an SVG with a panel per source and the threshold labels", async () => {
    const svg = (await renderPressurePlot(input(), "svg")).toString("utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    for (const text of ["host-a", "host-b", "70%", "80%", "90%", "CRITICAL"]) expect(svg).toContain(text);
  });

  it("renders a PNG that decodes, has the SVG's dimensions twice over and is not blank", async () => {
    const png = await renderPressurePlot(input(), "png");
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString("latin1")).toBe("IHDR");
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    const svg = await renderSvg(pressurePlotSpec(input()));
    const svgWidth = Number(/width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1]);
    expect(width).toBe(Math.round(svgWidth * 2));
    expect(height).toBeGreaterThan(400);

    const { pixels } = svgToPng(svg);
    const colours = new Set<number>();
    for (let i = 0; i < pixels.length; i += 4 * 7) colours.add(pixels.readUInt32BE(i));
    // Level shading, bands, lines and anti-aliased text: far more than a blank page's one or two.
    expect(colours.size).toBeGreaterThan(50);
  });

  it("draws an empty period as one panel that says so, instead of failing", async () => {
    const svg = (await renderPressurePlot({ ...input(), sources: [] }, "svg")).toString("utf8");
    expect(svg).toContain("no data in this period");
  });
});
