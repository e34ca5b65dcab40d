import * as vega from "vega";
import { compile } from "vega-lite";
import { Resvg } from "@resvg/resvg-js";
const spec = { $schema: "https://vega.github.io/schema/vega-lite/v6.json", width: 400, height: 200,
  data: { values: [{t: 0, r: 0.5}, {t: 1, r: 0.8}] }, mark: "line", encoding: { x: {field:"t", type:"quantitative"}, y: {field:"r", type:"quantitative"} } };
const t0 = performance.now();
const vg = compile(spec).spec;
const view = new vega.View(vega.parse(vg), { renderer: "none" });
const svg = await view.toSVG();
view.finalize();
console.log(svg.length, svg.slice(0, 200));
const png = new Resvg(svg, { background: "white", font: { loadSystemFonts: true } }).render();
console.log(png.width, png.height, png.pixels.length, performance.now() - t0);
