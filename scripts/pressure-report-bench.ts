// Measures `lingostream pressure report` on a long synthetic series: DAYS days
// of 2 s MemoryPressure samples for SOURCES sources, with a PressureTrend per
// minute computed as the monitor does (TrendWindow), written to topics with a
// fresh prefix on the configured cluster. Then runs the command as a child
// process and reports its wall time and peak RSS (VmHWM), for the whole period
// and for its first day, so the two can show that memory does not grow with it.
//
//   node --conditions=@lingostream/source scripts/pressure-report-bench.ts [--days 1] [--sources 3] [--window 1m] [--plot file.png] [--keep]

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  TrendWindow,
  applyTopics,
  classify,
  connectionSpec,
  createLogger,
  createServiceContext,
  defaultThresholds,
  deleteTopicsWithPrefix,
  loadConfig,
  loadTopicSpecs,
  type PressureLevel,
} from "@lingostream/runtime";
import { pressureValue, produceSynthetic, trendValue, type SyntheticEvent } from "../cli/test/integration/observability/synthetic-pressure.ts";

const { values: args } = parseArgs({
  options: {
    days: { type: "string", default: "1" },
    sources: { type: "string", default: "3" },
    window: { type: "string", default: "1m" },
    plot: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const DAYS = Number(args.days);
const SOURCES = Number(args.sources);
const INTERVAL = 2000;
const DAY = 86_400_000;
const LIMIT = 8 * 1024 ** 3;

/** A day-long wave, noise, and now and then a climb into CRITICAL that the trend should see coming. */
function* series(sourceId: string, seed: number, from: number, until: number): Generator<SyntheticEvent> {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const trend = new TrendWindow({ windowMs: 60_000, alpha: 0.3, criticalRatio: defaultThresholds.criticalRatio, maxSamples: 62 });
  let level: PressureLevel | undefined;
  let spike = 0;
  let lastTrend = from;
  for (let t = from; t < until; t += INTERVAL) {
    if (spike <= 0 && random() < 0.0004) spike = 600;
    const climb = spike > 0 ? Math.sin(((600 - spike) / 600) * Math.PI) * 0.35 : 0;
    spike--;
    const ratio = Math.min(0.999, Math.max(0.05, 0.5 + 0.12 * Math.sin((t / DAY) * 2 * Math.PI + seed) + climb + (random() - 0.5) * 0.02));
    const used = ratio * LIMIT;
    level = classify({ usedRatio: ratio, availableBytes: LIMIT - used, limitBytes: LIMIT, minFreeBytes: 0 }, level, defaultThresholds);
    trend.add({ time: t, usedRatio: ratio, usedBytes: used, level });
    yield { topic: "memoryPressure", key: sourceId, time: t, value: pressureValue(sourceId, t, level, ratio, INTERVAL) };
    if (t - lastTrend >= 60_000) {
      lastTrend = t;
      const s = trend.stats()!;
      yield {
        topic: "memoryTrends",
        key: sourceId,
        time: t,
        value: trendValue(sourceId, s.windowStart, s.windowEnd, s.level, s.secondsToCritical, {
          samples: s.samples,
          slopeRatioPerSecond: s.slopeRatioPerSecond,
          slopeBytesPerSecond: s.slopeBytesPerSecond,
          ewmaRatio: s.ewmaRatio,
          minRatio: s.minRatio,
          maxRatio: s.maxRatio,
          meanRatio: s.meanRatio,
          transitions: s.transitions,
        }),
      };
    }
  }
}

/** Interleaves the sources by time, as several monitors publishing at once would. */
function* interleaved(from: number, until: number): Generator<SyntheticEvent> {
  const gens = Array.from({ length: SOURCES }, (_, i) => series(`bench-host-${i + 1}`, i + 1, from, until));
  const heads = gens.map((g) => g.next());
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) if (!heads[i]!.done && (best < 0 || heads[i]!.value!.time < heads[best]!.value!.time)) best = i;
    if (best < 0) return;
    yield heads[best]!.value as SyntheticEvent;
    heads[best] = gens[best]!.next();
  }
}

async function runReport(env: NodeJS.ProcessEnv, extra: string[], out: string): Promise<{ seconds: number; peakRssMiB: number; code: number | null }> {
  const started = performance.now();
  const child = spawn(process.execPath, ["--conditions=@lingostream/source", "cli/src/main.ts", "pressure", "report", ...extra], { env, stdio: ["ignore", "pipe", "inherit"] });
  const chunks: Buffer[] = [];
  let bytes = 0;
  child.stdout.on("data", (c: Buffer) => {
    bytes += c.length;
    if (chunks.length < 4096) chunks.push(c);
  });
  let peakKiB = 0;
  const poll = setInterval(() => {
    readFile(`/proc/${child.pid}/status`, "utf8")
      .then((s) => {
        const hwm = Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0);
        peakKiB = Math.max(peakKiB, hwm);
      })
      .catch(() => {});
  }, 50);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearInterval(poll);
  await import("node:fs/promises").then((fs) => fs.writeFile(out, Buffer.concat(chunks)));
  const tail = Buffer.concat(chunks.slice(-64)).toString("utf8");
  const events = /"events":(\{[^}]*\})/.exec(tail)?.[1];
  process.stdout.write(`    output ${(bytes / 1024).toFixed(0)} KiB${events ? `, events read ${events}` : ""}\n`);
  return { seconds: (performance.now() - started) / 1000, peakRssMiB: peakKiB / 1024, code };
}

const config = loadConfig(connectionSpec, process.env);
const logger = createLogger({ level: "warn" });
const prefix = `bench-pressure-${randomBytes(3).toString("hex")}.`;
const ctx = createServiceContext({ ...config, topicPrefix: prefix }, logger, { role: "bench" });
const admin = ctx.kafka.admin();
await admin.connect();
const dir = await mkdtemp(join(tmpdir(), "lingostream-bench-"));
try {
  // The worst case for the report: every sample still there. On the real,
  // compacted topic the cleaner soon keeps only the latest per source (the
  // report then works from the trends), so the bench topic is not compacted.
  const specs = (await loadTopicSpecs())
    .filter((s) => s.key === "memoryPressure" || s.key === "memoryTrends")
    .map((s) => (s.key === "memoryPressure" ? { ...s, config: { "cleanup.policy": "delete", "retention.ms": String(30 * DAY) } } : s));
  await applyTopics(admin, specs, { prefix });
  const until = Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000;
  const since = until - DAYS * DAY;
  const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const t0 = performance.now();
  const count = await produceSynthetic(ctx, producer, interleaved(since, until), 5000);
  await producer.disconnect();
  process.stdout.write(`produced ${count} events (${SOURCES} sources, ${DAYS} day(s) of 2 s samples + 1/min trends) in ${((performance.now() - t0) / 1000).toFixed(1)} s to ${prefix}*\n`);

  const env = { ...process.env, LINGOSTREAM_TOPIC_PREFIX: prefix, LOG_LEVEL: "warn" };
  const iso = (ms: number) => new Date(ms).toISOString();
  const whole = ["--since", iso(since), "--until", iso(until), "--window", args.window!, "--format", "json"];
  const runs: [string, string[], string][] = [
    ["`pressure report --help` (what loading the command costs)", ["--help"], ""],
    [`${DAYS} day(s), --window ${args.window}, json`, whole, ""],
    [`${DAYS} day(s), --window ${args.window}, json + --plot png`, [...whole, "--plot", args.plot ?? join(dir, "plot.png")], ""],
    ["first day only, json", ["--since", iso(since), "--until", iso(since + DAY), "--window", args.window!, "--format", "json"], ""],
    [`${DAYS} day(s) with the V8 heap capped at 64 MiB`, whole, "--max-old-space-size=64"],
  ];
  for (const [what, extra, nodeOptions] of runs) {
    process.stdout.write(`  ${what}\n`);
    const r = await runReport({ ...env, NODE_OPTIONS: nodeOptions }, extra, join(dir, "out.json"));
    process.stdout.write(`    exit ${r.code}, ${r.seconds.toFixed(2)} s wall, peak RSS ${r.peakRssMiB.toFixed(0)} MiB\n`);
  }
  const plotPath = args.plot ?? join(dir, "plot.png");
  const plot = await stat(plotPath).catch(() => undefined);
  if (plot) process.stdout.write(`  ${args.plot ?? "plot.png"}: ${(plot.size / 1024).toFixed(0)} KiB\n`);
} finally {
  if (!args.keep) {
    await deleteTopicsWithPrefix(admin, prefix).catch(() => {});
    for (const subject of (await ctx.serde.registry.subjects()).filter((s) => s.startsWith(prefix))) {
      await ctx.serde.registry.deleteSubject(subject).catch(() => {});
      await ctx.serde.registry.deleteSubject(subject, true).catch(() => {});
    }
  }
  await admin.disconnect();
  ctx.store.close();
  await rm(dir, { recursive: true, force: true });
}
