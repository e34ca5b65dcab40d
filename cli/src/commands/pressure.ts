// `lingostream pressure report`: what memory pressure did over a period, per
// source and window, read from asr.memory.pressure and asr.memory.trends in one
// bounded, time-ordered scan; optionally a plot of it.

import { writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { type Env, loadMemoryConfig, PipelineError, thresholdsOf } from "@lingostream/runtime";
import type { Command } from "commander";
import type { KafkaMessage } from "kafkajs";
import { withCommandContext } from "../command-context.ts";
import { commandEnv } from "../global-options.ts";
import { addFormatOption, type OutputOptions, outputFormat } from "../output-options.ts";
import { PlotSeries } from "../pressure-report/plot-series.ts";
import { PressureReport, type PressureReportEvent } from "../pressure-report/pressure-report.ts";
import { createReportWriter, REPORT_FORMATS, type ReportFormat } from "../pressure-report/report-writer.ts";
import type { WindowRow } from "../pressure-report/window-stats.ts";
import { parseDuration, parseTimePoint } from "../time-args.ts";
import { scanTopics } from "../topic-scan/topic-scan.ts";
import { addExamples, checkArgs } from "../usage.ts";

export interface PressureReportOptions {
  since: string;
  until: string;
  source: string[];
  window: string;
  format: string;
  plot?: string;
  maxHorizon: string;
}

export interface PressureReportOutcome {
  rows: number;
  summaries: WindowRow[];
  events: { samples: number; trends: number; tombstones: number; undecodable: number };
  plot?: { path: string; bytes: number };
}

export function registerPressureCommands(program: Command): void {
  const pressure = program.command("pressure").description("memory pressure analytics");
  addExamples(pressure, ["lingostream pressure report --since 6h --window 5m"]);
  const report = pressure
    .command("report")
    .description("time per level, peak and p95 used ratio, slope, transitions and forecast accuracy per source and window")
    .option("--since <time>", "start: a duration ago (24h), an ISO date-time, or now", "24h")
    .option("--until <time>", "end (exclusive): a duration ago, an ISO date-time, or now", "now")
    .option("--source <ids>", "only these source ids (comma-separated, repeatable)", (v: string, all: string[]) => [...all, ...v.split(",")], [] as string[])
    .option("--window <duration>", "window length (30s, 1m, 1h, 1d)", "1m")
    .option("--plot <file>", "also draw used ratio over time per source to a .png or .svg file")
    .option("--max-horizon <duration>", "forecasts of CRITICAL further out than this are watched for twice this long and not scored if it has not come", "1h");
  addFormatOption(report, REPORT_FORMATS, "table");
  addExamples(report, [
    "lingostream pressure report --since 6h --window 5m",
    "lingostream pressure report --since 2026-01-02T00:00:00Z --until 2026-01-03T00:00:00Z --format csv > pressure.csv",
    "lingostream pressure report --json | jq '.summaries'",
    "lingostream pressure report --source asr-1 --plot pressure.png",
  ]);
  report.action(async (opts: PressureReportOptions & OutputOptions, command: Command) => {
    const env = commandEnv(command);
    const format = outputFormat(opts);
    checkArgs(command, () => pressureArgs({ ...opts, format }, env, Date.now()));
    await pressureReport({ ...opts, format }, env, (text) => process.stdout.write(text));
  });
}

/** Every argument, checked before anything connects. */
function pressureArgs(opts: PressureReportOptions, env: Env, now: number) {
  const since = parseTimePoint(opts.since, now, "--since");
  const until = parseTimePoint(opts.until, now, "--until");
  if (!(until > since)) throw new PipelineError("config-invalid", `--until (${new Date(until).toISOString()}) must be after --since (${new Date(since).toISOString()})`);
  const windowMs = parseDuration(opts.window, "--window");
  if ((until - since) / windowMs > 10_000_000) throw new PipelineError("config-invalid", `--window ${opts.window} makes too many windows for this period`);
  const maxHorizonMs = parseDuration(opts.maxHorizon, "--max-horizon");
  if (!(REPORT_FORMATS as readonly string[]).includes(opts.format)) {
    throw new PipelineError("config-invalid", `--format ${opts.format} is not one of ${REPORT_FORMATS.join(", ")}`);
  }
  const plotFormat = opts.plot === undefined ? undefined : plotFormatOf(opts.plot);
  const sources = opts.source.map((s) => s.trim()).filter((s) => s.length > 0);
  const thresholds = thresholdsOf(loadMemoryConfig(env));
  return { since, until, windowMs, maxHorizonMs, plotFormat, sources, thresholds };
}

export async function pressureReport(opts: PressureReportOptions, env: Env, write: (text: string) => void, now = Date.now()): Promise<PressureReportOutcome> {
  const { since, until, windowMs, maxHorizonMs, plotFormat, sources, thresholds } = pressureArgs(opts, env, now);
  const only = sources.length > 0 ? new Set(sources) : undefined;
  const writer = createReportWriter(opts.format as ReportFormat, { since, until, windowMs, maxHorizonMs, thresholds, sources }, write);
  const report = new PressureReport({ since, until, windowMs, maxHorizonMs, sources, onRow: (row) => writer.row(row) });
  const plot = plotFormat ? new PlotSeries({ since, until }) : undefined;
  const events = { samples: 0, trends: 0, tombstones: 0, undecodable: 0 };

  await withCommandContext("report", env, async (ctx) => {
    const decode = async (_topic: string, message: KafkaMessage): Promise<PressureReportEvent | undefined> => {
      if (!message.value) {
        events.tombstones++;
        return undefined;
      }
      let decoded: Awaited<ReturnType<typeof ctx.serde.decode>>;
      try {
        decoded = await ctx.serde.decode(message.value);
      } catch (err) {
        // A registry outage is not the data's fault: stop rather than report holes as calm.
        if ((err as { retriable?: boolean }).retriable) throw err;
        events.undecodable++;
        return undefined;
      }
      if (decoded.topicKey === "memoryPressure") {
        const v = decoded.value;
        if (only && !only.has(v.sourceId)) return undefined;
        events.samples++;
        return { kind: "sample", sourceId: v.sourceId, time: v.eventTime, level: v.level, usedRatio: v.usedRatio, intervalMs: v.sampleIntervalMs };
      }
      if (decoded.topicKey === "memoryTrends") {
        const v = decoded.value;
        if (only && !only.has(v.sourceId)) return undefined;
        events.trends++;
        return {
          kind: "trend",
          sourceId: v.sourceId,
          host: v.host,
          time: v.windowEnd,
          windowStart: v.windowStart,
          level: v.level,
          slopeRatioPerSecond: v.slopeRatioPerSecond,
          secondsToCritical: v.secondsToCritical,
          transitions: v.transitions,
          minRatio: v.minRatio,
          maxRatio: v.maxRatio,
          meanRatio: v.meanRatio,
        };
      }
      events.undecodable++;
      return undefined;
    };

      await scanTopics<PressureReportEvent>({
        kafka: ctx.kafka,
        topics: [ctx.topics.memoryPressure, ctx.topics.memoryTrends],
        groupId: `${ctx.config.kafkaClientId}-report-${ctx.instanceId}`,
        since,
        until,
        decode,
        timeOf: (e) => e.time,
        onItem: (e) => {
          report.add(e);
          if (plot) {
            if (e.kind === "sample") plot.add(e.sourceId, e.time, e.usedRatio, e.usedRatio, e.level);
            else plot.add(e.sourceId, e.time, e.minRatio ?? e.maxRatio, e.maxRatio, e.level);
          }
        },
        brokers: ctx.config.kafkaBrokers,
        logger: ctx.logger,
      });
  });
  const result = report.finish();
  writer.finish(result.summaries, { ignored: result.ignored, events });
  const outcome: PressureReportOutcome = { rows: result.rows, summaries: result.summaries, events };
  if (plot && opts.plot && plotFormat) {
    // Vega, Vega-Lite and resvg load only here: ~0.5 s and ~80 MB that no other command or worker should pay.
    const { renderPressurePlot } = await import("../pressure-report/pressure-plot.ts");
    const bytes = await renderPressurePlot({ since, until, thresholds, sources: plot.plots(), skipped: plot.skipped.size }, plotFormat);
    await writeFile(opts.plot, bytes);
    outcome.plot = { path: opts.plot, bytes: bytes.length };
  }
  return outcome;
}

function plotFormatOf(path: string): "png" | "svg" {
  const ext = extname(path).toLowerCase();
  if (ext === ".png") return "png";
  if (ext === ".svg") return "svg";
  throw new PipelineError("config-invalid", `--plot ${path}: the file name must end in .png or .svg`);
}
