// The benchmarks' line charts (memory over time, peaks by size), laid out by
// Vega-Lite and rendered to SVG by Vega without a browser: the same library
// the pressure report draws with.

import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
}

export function lineChartSpec(chart: LineChart): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: chart.title,
    width: 560,
    height: 330,
    background: "white",
    data: { values: chart.series.flatMap((s) => s.points.map(([x, y]) => ({ series: s.name, x, y }))) },
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: { field: "x", type: "quantitative", title: chart.xLabel },
      y: { field: "y", type: "quantitative", title: chart.yLabel, scale: { zero: true } },
      // Series keep the order they were given in, in the legend and the colours.
      color: { field: "series", type: "nominal", title: null, sort: chart.series.map((s) => s.name) },
    },
  };
}

export async function renderLineChart(chart: LineChart): Promise<string> {
  const view = new vega.View(vega.parse(compile(lineChartSpec(chart)).spec), { renderer: "none" });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}
