// The pressure report's picture: one panel per source, used ratio over time
// (the min–max band of each pixel and its peak line) over the threshold bands,
// with the periods spent at MODERATE, HIGH and CRITICAL shaded. Vega-Lite
// lays it out and Vega renders SVG without a browser; resvg turns that into PNG.

import type { PressureThresholds } from "@lingostream/runtime";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { SourcePlot } from "./plot-series.ts";

export interface PlotInput {
  since: number;
  until: number;
  thresholds: Pick<PressureThresholds, "safeRatio" | "warningRatio" | "criticalRatio">;
  sources: SourcePlot[];
  /** Sources left out of the picture, named in its subtitle. */
  skipped?: number;
  /** Panel width in pixels (default 900). */
  width?: number;
}

const LEVEL_COLORS = { domain: ["LOW", "MODERATE", "HIGH", "CRITICAL"], range: ["#54a24b", "#e8c21a", "#f58518", "#d62728"] };

/** The Vega-Lite specification; the data is inline, so the SVG needs nothing else. */
export function pressurePlotSpec(input: PlotInput): TopLevelSpec {
  const { since, until, thresholds: t } = input;
  const width = input.width ?? 900;
  const bands = [
    { from: 0, to: t.safeRatio, level: "LOW" },
    { from: t.safeRatio, to: t.warningRatio, level: "MODERATE" },
    { from: t.warningRatio, to: t.criticalRatio, level: "HIGH" },
    { from: t.criticalRatio, to: 1, level: "CRITICAL" },
  ];
  const rules = [t.safeRatio, t.warningRatio, t.criticalRatio].map((ratio) => ({ ratio, label: `${Math.round(ratio * 1000) / 10}%` }));
  // The x scale is declared once per panel (on the area layer); layers share it.
  const oneDay = until - since <= 86_400_000;
  const x = { field: "t", type: "temporal" as const };
  const xScale = {
    scale: { type: "utc" as const, domain: [{ ...utcParts(since) }, { ...utcParts(until) }] },
    axis: { title: "UTC", labelFlush: true, grid: false, format: oneDay ? "%H:%M" : "%b %d %H:%M" },
  };
  const y = { type: "quantitative" as const, scale: { domain: [0, 1] }, axis: { format: "%", title: "used / limit", tickCount: 5 } };
  const panels = (input.sources.length > 0 ? input.sources : [{ sourceId: "no data in this period", points: [], periods: [] }]).map((source) => ({
    title: { text: source.sourceId, anchor: "start" as const, fontSize: 13 },
    width,
    height: 170,
    layer: [
      {
        data: { values: bands },
        mark: { type: "rect" as const, opacity: 0.09 },
        encoding: {
          y: { field: "from", ...y },
          y2: { field: "to" },
          color: { field: "level", type: "nominal" as const, scale: LEVEL_COLORS },
        },
      },
      {
        data: { values: source.periods.map((p) => ({ start: Math.max(p.start, since), end: Math.min(p.end, until), level: p.level })) },
        mark: { type: "rect" as const, opacity: 0.3 },
        encoding: {
          x: { ...x, field: "start" },
          x2: { field: "end" },
          color: {
            field: "level",
            type: "nominal" as const,
            scale: LEVEL_COLORS,
            legend: { title: "level (shaded while it held; bands: thresholds)", orient: "top" as const },
          },
        },
      },
      {
        data: { values: source.points },
        mark: { type: "area" as const, color: "#4c78a8", opacity: 0.35 },
        encoding: { x: { ...x, ...xScale }, y: { field: "min", ...y }, y2: { field: "max" } },
      },
      {
        data: { values: source.points },
        mark: { type: "line" as const, color: "#1f3b73", strokeWidth: 1.3 },
        encoding: { x, y: { field: "max", ...y } },
      },
      {
        data: { values: rules },
        mark: { type: "rule" as const, color: "#555", strokeDash: [4, 3], strokeWidth: 1 },
        encoding: { y: { field: "ratio", ...y } },
      },
      {
        data: { values: rules },
        mark: { type: "text" as const, align: "left" as const, baseline: "bottom" as const, dx: 3, dy: -1, color: "#444", fontSize: 10 },
        encoding: { y: { field: "ratio", ...y }, x: { value: 0 }, text: { field: "label" } },
      },
    ],
  }));
  const range = `${new Date(since).toISOString().slice(0, 16)}Z – ${new Date(until).toISOString().slice(0, 16)}Z`;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Memory pressure: used / effective limit",
      subtitle: input.skipped ? `${range} · ${input.skipped} more sources not shown (use --source)` : range,
      anchor: "start",
    },
    background: "white",
    padding: 12,
    config: { font: "DejaVu Sans, Liberation Sans, Arial, sans-serif", view: { stroke: "#ccc" }, legend: { symbolOpacity: 0.6, titleLimit: 600 } },
    resolve: { scale: { color: "shared" } },
    vconcat: panels,
  } as TopLevelSpec;
}

/** A Vega-Lite date-time object: the UTC fields of an epoch-ms time. */
function utcParts(ms: number) {
  const d = new Date(ms);
  return {
    utc: true,
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    date: d.getUTCDate(),
    hours: d.getUTCHours(),
    minutes: d.getUTCMinutes(),
    seconds: d.getUTCSeconds(),
    milliseconds: d.getUTCMilliseconds(),
  };
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** PNG at twice the SVG's size, so text stays sharp on dense screens. */
export function svgToPng(svg: string): { png: Buffer; width: number; height: number; pixels: Buffer } {
  const image = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
    logLevel: "off",
  }).render();
  return { png: image.asPng(), width: image.width, height: image.height, pixels: image.pixels };
}

/** SVG or PNG bytes for a file name ending in .svg or .png. */
export async function renderPressurePlot(input: PlotInput, format: "svg" | "png"): Promise<Buffer> {
  const svg = await renderSvg(pressurePlotSpec(input));
  return format === "svg" ? Buffer.from(svg, "utf8") : svgToPng(svg).png;
}
