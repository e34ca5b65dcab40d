// `lingostream pressure report` on the real stack: a known series of samples
// and trends is written to the test's own topics; the report, read back through
// Kafka and the registry, gives the known answers, and the plot is a real image.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PressureLevel } from "@lingostream/schemas";
import { createStackContext, type StackContext } from "@lingostream/testkit";
import type { Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pressureReport } from "../../../src/commands/pressure.ts";
import { decodePng } from "./png-pixels.ts";
import { pressureValue, produceSynthetic, type SyntheticEvent, trendValue } from "./synthetic-pressure.ts";

const S = 1000;
// Two hours ago on a minute boundary, so windows of the report line up with the series.
const BASE = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000;
const at = (seconds: number) => BASE + seconds * S;
const iso = (seconds: number) => new Date(at(seconds)).toISOString();

function samples(sourceId: string, from: number, to: number, level: PressureLevel, ratio: (t: number) => number): SyntheticEvent[] {
  const out: SyntheticEvent[] = [];
  for (let t = from; t <= to; t += 2) out.push({ topic: "memoryPressure", key: sourceId, time: at(t), value: pressureValue(sourceId, at(t), level, ratio(t)) });
  return out;
}

const trend = (sourceId: string, end: number, level: PressureLevel, secondsToCritical: number | null): SyntheticEvent => ({
  topic: "memoryTrends",
  key: sourceId,
  time: at(end),
  value: trendValue(sourceId, at(end - 58), at(end), level, secondsToCritical),
});

// The series of the unit test (pressure-report.test.ts), for sources a and b.
const series: SyntheticEvent[] = [
  ...samples("a", 0, 58, "LOW", (t) => 0.6 + 0.001 * t),
  ...samples("a", 60, 78, "MODERATE", () => 0.75),
  ...samples("a", 80, 98, "HIGH", () => 0.85),
  ...samples("a", 100, 118, "CRITICAL", () => 0.95),
  ...samples("a", 120, 178, "LOW", () => 0.5),
  trend("a", 58, "LOW", 50),
  trend("a", 118, "CRITICAL", 0),
  ...samples("b", 0, 178, "LOW", () => 0.3),
  trend("b", 58, "LOW", 30),
  trend("b", 118, "LOW", 100),
  // A withdrawn source leaves a tombstone on the compacted topic.
  { topic: "memoryPressure" as const, key: "gone", time: at(100), value: null },
].sort((x, y) => x.time - y.time);

interface JsonReport {
  windows: { sourceId: string; start: string; basis: string; levelSeconds: Record<PressureLevel, number>; peakRatio: number; p95Ratio: number; transitions: number; forecasts: Record<string, unknown>; flaggedForecasts: unknown[] }[];
  summaries: { sourceId: string; levelSeconds: Record<PressureLevel, number>; forecasts: Record<string, number | null> }[];
  events: Record<string, number>;
}

describe("lingostream pressure report", () => {
  let stack: StackContext;
  let producer: Producer;
  let dir: string;

  beforeAll(async () => {
    stack = await createStackContext("pressure-report", { partitions: 2 });
    dir = await mkdtemp(join(tmpdir(), "lingostream-report-"));
    producer = stack.ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await produceSynthetic(stack.ctx, producer, series);
    // Written after the period: the report must stop at --until, not read on.
    await produceSynthetic(stack.ctx, producer, samples("a", 400, 420, "CRITICAL", () => 0.99));
  });

  afterAll(async () => {
    await producer?.disconnect();
    await stack?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const run = async (format: string, extra: { plot?: string; source?: string[] } = {}) => {
    let out = "";
    const outcome = await pressureReport(
      { since: iso(0), until: iso(180), window: "1m", format, maxHorizon: "1h", source: extra.source ?? [], plot: extra.plot },
      stack.env,
      (text) => {
        out += text;
      },
    );
    return { out, outcome };
  };

  it("reads both topics for the period and gives the series' known answers", async () => {
    const { out, outcome } = await run("json", { plot: join(dir, "pressure.png") });
    const report = JSON.parse(out) as JsonReport;
    expect(report.events).toEqual({ samples: 180, trends: 4, tombstones: 1, undecodable: 0 });
    const window = (source: string, minute: number) => report.windows.find((w) => w.sourceId === source && w.start === iso(minute * 60));
    expect(window("a", 0)).toMatchObject({ basis: "samples", levelSeconds: { LOW: 60, MODERATE: 0, HIGH: 0, CRITICAL: 0 }, peakRatio: 0.658, p95Ratio: 0.656, transitions: 0 });
    expect(window("a", 0)?.forecasts).toMatchObject({ issued: 1, hits: 1, falseAlarms: 0, relativeError: { median: 0.19, p90: 0.19 } });
    expect(window("a", 1)).toMatchObject({ levelSeconds: { LOW: 0, MODERATE: 20, HIGH: 20, CRITICAL: 20 }, peakRatio: 0.95, transitions: 3 });
    expect(window("b", 0)?.forecasts).toMatchObject({ issued: 1, hits: 0, falseAlarms: 1 });
    expect(window("b", 0)?.flaggedForecasts).toEqual([{ verdict: "falseAlarm", issuedAt: iso(58), host: "b", predictedSeconds: 30, actualSeconds: null }]);
    expect(window("b", 1)?.forecasts).toMatchObject({ issued: 1, open: 1 });
    const a = report.summaries.find((s) => s.sourceId === "a");
    expect(a?.levelSeconds).toEqual({ LOW: 120, MODERATE: 20, HIGH: 20, CRITICAL: 20 });
    expect(outcome.rows).toBe(6);
  });

  it("draws a PNG that decodes and is not blank", async () => {
    const png = await readFile(join(dir, "pressure.png"));
    const image = decodePng(png);
    expect(image.width).toBeGreaterThan(1000);
    expect(image.height).toBeGreaterThan(500);
    expect(image.colours).toBeGreaterThan(50);
  });

  it("draws an SVG with a panel per source, and keeps to --source", async () => {
    const { out, outcome } = await run("csv", { plot: join(dir, "pressure.svg"), source: ["b"] });
    const svg = await readFile(join(dir, "pressure.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain(">b<");
    expect(svg).not.toContain(">a<");
    expect(outcome.plot?.bytes).toBeGreaterThan(1000);
    const lines = out.trimEnd().split("\n");
    expect(lines[0]?.startsWith("scope,source,start")).toBe(true);
    expect(lines.filter((l) => l.startsWith("window,b,"))).toHaveLength(3);
    expect(lines.filter((l) => l.startsWith("total,b,"))).toHaveLength(1);
    expect(lines.some((l) => l.includes(",a,"))).toBe(false);
  });
});
