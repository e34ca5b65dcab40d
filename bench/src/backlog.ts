// backlog: the main job as a user runs it, `transcribe <folder> --json` as a
// child process in embedded mode, on backlogs of many files (each its own job)
// of growing size: peak memory of every process involved (the child and the
// stack's Kafka, registry and S3 servers), and what is left in S3 afterwards.
// Then the default engine with the default (auto) slots against the engine
// alone on one core, times the cores.

import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { asrSpec, createEngine } from "@lingostream/asr";
import { errorMessage, loadConfig } from "@lingostream/runtime";
import { segmentMedia } from "@lingostream/segmenter";
import { audioLabel, deadLetteredJobs, filesFor, type S3Leftover, s3Leftover } from "./backlog-figures.ts";
import { type BacklogFile, type BacklogPool, ensureBacklogPool, linkFiles } from "./fixtures/backlog-media.ts";
import { readPipelineTimes } from "./fixtures/event-times.ts";
import { scanSegmentEvents } from "./fixtures/results-scan.ts";
import { createIsolatedRun } from "./isolated-run.ts";
import { renderLineChart } from "./line-chart.ts";
import { loadAverage } from "./machine.ts";
import { type BenchContext, type Benchmark, type BenchmarkOutcome, type Row, ratio } from "./report.ts";
import { type PrefixUsage, type RunPrefixKind, usageByKind } from "./s3-usage.ts";
import { findStackProcesses, STACK_SERVICES, type StackProcesses } from "./stack-processes.ts";
import { formatBytes } from "./summary.ts";
import { type ChildRun, runTranscribeChild, transcribeHasJson } from "./transcribe-child.ts";

export interface BacklogOptions {
  /** Backlog lengths, seconds of audio, smallest first: the memory goals compare the last with the first. */
  sizes: readonly number[];
  /** The clip every file is made from: LONG_TEXT spoken this many times (about 151 s each). */
  clipRepeats: number;
  /** Simulated cost of the deterministic engine per second of audio, ms. */
  delayMs: number;
  /** At least this much speech (seconds) for the default-engine run. */
  autoSeconds: number;
  /** 30 s segments of the clip decoded by the engine alone, before and after that run. */
  directSegments: number;
}

export const BACKLOG_FULL: BacklogOptions = { sizes: [3600, 4 * 3600, 16 * 3600], clipRepeats: 3, delayMs: 0, autoSeconds: 1800, directSegments: 8 };
export const BACKLOG_QUICK: BacklogOptions = { sizes: [600, 1200, 2400], clipRepeats: 1, delayMs: 0, autoSeconds: 240, directSegments: 3 };

const FLATNESS_GOAL = 1.15;
const AUTO_GOAL = 0.85;
const PROCESSES = ["transcribe", ...STACK_SERVICES] as const;
const PROCESS_NAMES: Record<(typeof PROCESSES)[number], string> = {
  transcribe: "`transcribe` process",
  kafka: "Kafka broker",
  registry: "schema registry",
  s3: "S3 server",
};

export const backlogBenchmark: Benchmark = {
  name: "backlog",
  title: "backlogs of many files through `transcribe`: memory of every process and S3 left behind, by backlog size; default slots vs the engine alone",
  run: (ctx) => runBacklog(ctx, ctx.quick ? BACKLOG_QUICK : BACKLOG_FULL),
};

interface SizeRun {
  label: string;
  files: number;
  audioSeconds: number;
  tenant: string;
  child: ChildRun;
  usage: Record<RunPrefixKind, PrefixUsage>;
  leftover: S3Leftover;
  transcripts: number;
  stack: StackProcesses;
  load: number[];
}

interface AutoRun {
  files: number;
  audioSeconds: number;
  child: ChildRun;
  /** JobRequested → last JobCompleted, by the events' own times, s. */
  pipelineSeconds: number;
  /** Sum of the results' processingMs, s: how long ASR slots were busy in all. */
  busySeconds: number;
  /** The engine alone: audio seconds per second of decoding, before and after the run. */
  direct: { audioSeconds: number; decodeSeconds: number; load: number[] }[];
  cores: number;
}

export async function runBacklog(ctx: BenchContext, options: BacklogOptions): Promise<BenchmarkOutcome> {
  const clipSeconds = (await ensureBacklogPool(ctx.cacheDir, options.clipRepeats, 0, ctx.log)).clip.seconds;
  const counts = options.sizes.map((s) => filesFor(s, clipSeconds));
  const autoFiles = Math.ceil(options.autoSeconds / clipSeconds);
  const pool = await ensureBacklogPool(ctx.cacheDir, options.clipRepeats, Math.max(...counts, autoFiles), ctx.log);
  const runs: (SizeRun | { label: string; error: string })[] = [];
  for (const [i, target] of options.sizes.entries()) {
    const label = audioLabel(target);
    try {
      runs.push(await runSize(ctx, label, pool.files.slice(0, counts[i]), options));
    } catch (err) {
      ctx.log(`${label} backlog FAILED: ${errorMessage(err)}`);
      runs.push({ label, error: errorMessage(err) });
    }
  }
  let auto: AutoRun | { error: string };
  try {
    auto = await runAuto(ctx, pool, autoFiles, options);
  } catch (err) {
    ctx.log(`default-engine run FAILED: ${errorMessage(err)}`);
    auto = { error: errorMessage(err) };
  }
  return summarize(ctx, options, pool, runs, auto);
}

async function runSize(ctx: BenchContext, label: string, files: readonly BacklogFile[], options: BacklogOptions): Promise<SizeRun> {
  const audioSeconds = files.reduce((sum, f) => sum + f.seconds, 0);
  const run = createIsolatedRun(`backlog-${label.replace(/[ .]/g, "")}`, {
    LINGOSTREAM_ASR_ENGINE: "deterministic",
    LINGOSTREAM_ASR_DETERMINISTIC_DELAY_MS: String(options.delayMs),
  });
  const work = await mkdtemp(join(ctx.cacheDir, "backlog-run-"));
  try {
    await linkFiles(files, join(work, "in"));
    const stack = await findStackProcesses();
    const load = [loadAverage()[0] ?? 0];
    ctx.log(`${label} backlog: ${files.length} files, ${audioLabel(audioSeconds)} of audio, tenant ${run.tenant}`);
    const child = await runTranscribeChild({
      run,
      folder: join(work, "in"),
      out: join(work, "out"),
      stack,
      log: ctx.log,
      timeoutMs: (120 + audioSeconds / 30) * 1000,
    });
    load.push(loadAverage()[0] ?? 0);
    const usage = await usageByKind(run.ctx.store, run.prefixes);
    const leftover = s3Leftover(usage, deadLetteredJobs(child.summary));
    const transcripts = (await readdir(join(work, "out")).catch(() => [] as string[])).filter((f) => f.endsWith(".json")).length;
    ctx.log(
      `${label} backlog: exit ${child.exitCode ?? child.signal}, ${child.wallSeconds.toFixed(1)} s (${(audioSeconds / child.wallSeconds).toFixed(0)} audio s/s), ` +
        `transcribe peak RSS ${formatBytes(child.rss.transcribe?.peakRssBytes ?? Number.NaN)}, ${transcripts}/${files.length} transcripts, ` +
        `S3 left ${formatBytes(leftover.totalBytes)} (segments/ ${formatBytes(usage.segments.bytes)})`,
    );
    return { label, files: files.length, audioSeconds, tenant: run.tenant, child, usage, leftover, transcripts, stack, load };
  } finally {
    await run.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}

interface Startable {
  start(): Promise<number>;
}

/** The engine a user gets without setting one; the default-slots run measures it. */
const DEFAULT_ENGINE = loadConfig(asrSpec, {}).engine;
const ENGINE_LABEL: Record<string, string> = { whisper: "Whisper tiny.en", pocketsphinx: "PocketSphinx" };
const engineLabel = ENGINE_LABEL[DEFAULT_ENGINE] ?? DEFAULT_ENGINE;
/** The decoder processes' names, to count the slots in use (whisper's decoder is a Python process). */
const DECODER_PROCESS = DEFAULT_ENGINE === "whisper" ? /^python/ : "ps-decoder";

/** The engine alone on one core (one CPU thread): a started persistent decoder over the clip's first segments. */
async function directEngine(segments: readonly { pcm: Buffer; seconds: number }[]): Promise<AutoRun["direct"][number]> {
  const engine = createEngine(DEFAULT_ENGINE, { whisper: { threads: 1 } });
  const before = loadAverage()[0] ?? 0;
  try {
    await (engine as unknown as Startable).start();
    const started = performance.now();
    for (const s of segments) await engine.transcribe({ pcm: s.pcm, sampleRate: 16_000 }, { language: "en" });
    const decodeSeconds = (performance.now() - started) / 1000;
    return { audioSeconds: segments.reduce((sum, s) => sum + s.seconds, 0), decodeSeconds, load: [before, loadAverage()[0] ?? 0] };
  } finally {
    await engine.close();
  }
}

async function runAuto(ctx: BenchContext, pool: BacklogPool, count: number, options: BacklogOptions): Promise<AutoRun> {
  const segments: { pcm: Buffer; seconds: number }[] = [];
  for await (const s of segmentMedia(pool.clip.path)) {
    if (segments.length >= options.directSegments) break;
    segments.push({ pcm: s.pcm, seconds: s.endSeconds - s.startSeconds });
  }
  const cores = availableParallelism();
  const direct = [await directEngine(segments)];
  ctx.log(`engine alone on one core: ${(direct[0]!.audioSeconds / direct[0]!.decodeSeconds).toFixed(2)} audio s/s`);
  const files = pool.files.slice(0, count);
  const audioSeconds = files.reduce((sum, f) => sum + f.seconds, 0);
  // The user's defaults: the engine and the slots are whatever an unset environment gives.
  const run = createIsolatedRun("backlog-auto", { LINGOSTREAM_ASR_ENGINE: undefined, LINGOSTREAM_ASR_MAX_IN_FLIGHT: undefined });
  const work = await mkdtemp(join(ctx.cacheDir, "backlog-auto-"));
  try {
    await linkFiles(files, join(work, "in"));
    ctx.log(`default engine and slots: ${files.length} files, ${audioLabel(audioSeconds)} of speech`);
    const child = await runTranscribeChild({
      run,
      folder: join(work, "in"),
      out: join(work, "out"),
      stack: await findStackProcesses(),
      log: ctx.log,
      countChildren: DECODER_PROCESS,
      timeoutMs: (120 + audioSeconds) * 1000,
    });
    if (child.exitCode !== 0) throw new Error(`transcribe exited ${child.exitCode ?? child.signal}: ${child.stderrTail.slice(-5).join(" | ")}`);
    const times = await readPipelineTimes(run.ctx);
    const busySeconds = (await scanSegmentEvents(run.ctx)).processingMs / 1000;
    direct.push(await directEngine(segments));
    const pipelineSeconds = (times.completed - times.requested) / 1000;
    ctx.log(
      `default engine and slots: ${child.wallSeconds.toFixed(1)} s = ${(audioSeconds / child.wallSeconds).toFixed(2)} audio s/s ` +
        `(${child.rss.transcribe?.maxChildren ?? 0} decoders at once); engine alone after: ${(direct[1]!.audioSeconds / direct[1]!.decodeSeconds).toFixed(2)} audio s/s`,
    );
    return { files: files.length, audioSeconds, child, pipelineSeconds, busySeconds, direct, cores };
  } finally {
    await run.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}

async function summarize(
  ctx: BenchContext,
  options: BacklogOptions,
  pool: BacklogPool,
  all: (SizeRun | { label: string; error: string })[],
  auto: AutoRun | { error: string },
): Promise<BenchmarkOutcome> {
  const runs = all.filter((r): r is SizeRun => "child" in r);
  const failed = all.filter((r): r is { label: string; error: string } => "error" in r);
  const small = all[0]!;
  const large = all.at(-1)!;
  const sized = (r: SizeRun | { label: string; error: string }) => ("child" in r ? r : undefined);
  const peak = (r: SizeRun | undefined, p: (typeof PROCESSES)[number]) => r?.child.rss[p]?.peakRssBytes ?? Number.NaN;
  const rows: Row[] = [];
  for (const p of PROCESSES) {
    const r = ratio(peak(sized(large), p), peak(sized(small), p));
    rows.push({
      what: `${PROCESS_NAMES[p]} peak RSS during the run, ${large.label} vs ${small.label} backlog`,
      baseline: { label: small.label, value: peak(sized(small), p), unit: "B" },
      subject: { label: large.label, value: peak(sized(large), p), unit: "B" },
      ratio: r,
      goal: `≤ ${FLATNESS_GOAL}`,
      met: r <= FLATNESS_GOAL,
    });
  }
  if (all.length > 2) {
    // Whether growth continues past the middle size or levelled off before it.
    const middle = all[Math.floor(all.length / 2)]!;
    rows.push({
      what: `${PROCESS_NAMES.transcribe} peak RSS during the run, ${large.label} vs ${middle.label} backlog`,
      baseline: { label: middle.label, value: peak(sized(middle), "transcribe"), unit: "B" },
      subject: { label: large.label, value: peak(sized(large), "transcribe"), unit: "B" },
      ratio: ratio(peak(sized(large), "transcribe"), peak(sized(middle), "transcribe")),
    });
  }
  const tree = (r: SizeRun | undefined) => r?.child.rss.transcribe?.peakTreeRssBytes ?? Number.NaN;
  rows.push({
    what: `\`transcribe\` with its child processes (ffmpeg, decoders) peak RSS, ${large.label} vs ${small.label}`,
    baseline: { label: small.label, value: tree(sized(small)), unit: "B" },
    subject: { label: large.label, value: tree(sized(large)), unit: "B" },
    ratio: ratio(tree(sized(large)), tree(sized(small))),
  });
  const speed = (r: SizeRun | undefined) => (r ? r.audioSeconds / r.child.wallSeconds : Number.NaN);
  rows.push({
    what: `audio seconds per second (\`transcribe\` wall time, deterministic engine), ${large.label} vs ${small.label}`,
    baseline: { label: small.label, value: speed(sized(small)), unit: "audio s/s" },
    subject: { label: large.label, value: speed(sized(large)), unit: "audio s/s" },
    ratio: ratio(speed(sized(large)), speed(sized(small))),
  });
  for (const r of all) {
    const s = sized(r);
    rows.push({
      what: `S3 after completion, ${r.label} backlog: bytes under the run's prefixes vs transcripts + archive batches + job records`,
      baseline: { label: "transcripts + archive + jobs", value: s?.leftover.keptBytes ?? Number.NaN, unit: "B" },
      subject: { label: `all (segments/ audio ${s ? formatBytes(s.usage.segments.bytes) : "n/a"})`, value: s?.leftover.totalBytes ?? Number.NaN, unit: "B" },
      ratio: s ? ratio(s.leftover.totalBytes, s.leftover.keptBytes) : Number.NaN,
      goal: "= 1 (no segments/ audio of completed jobs)",
      met: s?.leftover.met ?? false,
    });
  }
  const du = (r: SizeRun | undefined, dir: string) => r?.child.disk[dir];
  const lr = sized(large);
  const data = du(lr, "S3 data folder");
  if (data) {
    rows.push({
      what: `S3 server's data folder on disk (du), ${large.label} run: peak during the run vs right after it (before the benchmark's cleanup)`,
      baseline: { label: "after", value: data.endBytes, unit: "B" },
      subject: { label: "peak", value: data.peakBytes, unit: "B" },
      ratio: ratio(data.peakBytes, data.endBytes),
    });
    const seg = (r: SizeRun | undefined) => du(r, "segments")?.peakBytes ?? Number.NaN;
    rows.push({
      what: `the run's segments/ audio on disk, peak during the run, ${large.label} vs ${small.label}`,
      baseline: { label: small.label, value: seg(sized(small)), unit: "B" },
      subject: { label: large.label, value: seg(sized(large)), unit: "B" },
      ratio: ratio(seg(sized(large)), seg(sized(small))),
    });
  }
  if ("child" in auto) {
    const directRates = auto.direct.map((d) => d.audioSeconds / d.decodeSeconds);
    const oneCore = directRates.reduce((a, b) => a + b, 0) / directRates.length;
    const expected = auto.cores * oneCore;
    const viaTranscribe = auto.audioSeconds / auto.child.wallSeconds;
    const viaPipeline = auto.audioSeconds / auto.pipelineSeconds;
    const slots = auto.child.rss.transcribe?.maxChildren ?? 0;
    rows.push(
      {
        what: `${engineLabel} (the default engine) through \`transcribe\`, default slots (${slots} decoders seen at once), ${audioLabel(auto.audioSeconds)} of speech: audio s/s vs ${auto.cores} cores x the engine alone on one core`,
        baseline: { label: `${auto.cores} x engine alone`, value: expected, unit: "audio s/s" },
        subject: { label: "transcribe wall time", value: viaTranscribe, unit: "audio s/s" },
        ratio: ratio(viaTranscribe, expected),
        goal: `≥ ${AUTO_GOAL}`,
        met: ratio(viaTranscribe, expected) >= AUTO_GOAL,
      },
      {
        what: "the same, JobRequested → last JobCompleted (leaves out start-up: stack check, topics, consumer joins, decoder start)",
        baseline: { label: `${auto.cores} x engine alone`, value: expected, unit: "audio s/s" },
        subject: { label: "pipeline", value: viaPipeline, unit: "audio s/s" },
        ratio: ratio(viaPipeline, expected),
      },
      {
        what: "ASR slots busy on average over JobRequested → last JobCompleted (sum of the results' processingMs / that span) vs decoders seen at once",
        baseline: { label: "decoders seen", value: slots, unit: "slots" },
        subject: { label: "busy on average", value: auto.busySeconds / auto.pipelineSeconds, unit: "slots" },
        ratio: ratio(auto.busySeconds / auto.pipelineSeconds, slots),
      },
    );
  } else {
    rows.push({
      what: `${engineLabel} (the default engine) through \`transcribe\`, default slots: audio s/s vs cores x the engine alone on one core`,
      subject: { label: "failed", value: Number.NaN, unit: "audio s/s" },
      goal: `≥ ${AUTO_GOAL}`,
      met: false,
    });
  }

  const chartFile = "backlog.svg";
  await writeFile(
    join(ctx.resultsDir, chartFile),
    await renderLineChart({
      title: "RSS of the `transcribe` process during each backlog",
      xLabel: "seconds since start",
      yLabel: "RSS (MiB)",
      series: runs.map((r) => ({ name: `${r.label} (${r.files} files)`, points: (r.child.rss.transcribe?.timeline ?? []).map(([x, y]) => [x, y / 2 ** 20] as const) })),
    }),
  );

  const hasJson = await transcribeHasJson();
  const totals = (summary: unknown) => {
    const t = (summary as { totals?: Record<string, unknown> } | undefined)?.totals;
    return t && typeof t === "object" ? Object.entries(t).map(([k, v]) => `${k} ${String(v)}`).join(", ") : undefined;
  };
  const mib = (n: number | undefined) => (n === undefined ? "n/a" : formatBytes(n));
  const notes = [
    `Input: one flite clip (voice slt, testkit's LONG_TEXT x${options.clipRepeats}, ${(pool.clip.seconds / 60).toFixed(1)} min) and copies of it behind lead-ins of silence of 10, 20, 30 ... ms, so every file is its own job; 16 kHz mono opus at 24 kb/s, cached in the bench cache folder. A backlog of N files is the first N.`,
    `Each backlog is one \`node cli/src/main.ts transcribe <folder> --out <dir> --tenant <tenant>${hasJson ? " --json" : ""}\` child process in embedded mode (no KAFKA_BROKERS: the local stack, every worker in the child), LINGOSTREAM_ASR_ENGINE=deterministic with LINGOSTREAM_ASR_DETERMINISTIC_DELAY_MS=${options.delayMs}, default slots, on topics, consumer groups and a tenant of its own (bench-backlog-<size>-<run id>), all removed after it.`,
    `Memory: VmRSS from /proc every 250 ms, of the child (and, summed, its descendants), and of the stack's Kafka, registry and S3 server (pids from <stack dir>/run/*.pid); peak = highest sample during the run. The stack's servers are long-lived and shared with whatever else runs on the machine, so their figures also carry other runs' traffic; their RSS at the start of each run: ${runs
      .map((r) => `${r.label}: ${STACK_SERVICES.map((s) => `${s} ${mib(r.child.rss[s]?.startRssBytes)}`).join(", ")}`)
      .join("; ")}.`,
    `S3: ListObjectsV2 under the run's prefixes after the child exited (segments/, transcripts/, jobs/, media/ of its tenant; archive/ of its results topic). The goal is that a finished job keeps only its transcript, its archive batches and its job records: the sink deletes a job's segment audio once its transcript is durable (segments/ of jobs with dead letters stay for a replay and are not counted). Disk: du of the S3 server's data folder${runs[0]?.stack.s3DataDir ? ` (${runs[0].stack.s3DataDir})` : " (none found: an in-memory S3 server)"} every 2 s, and of the run's own prefixes in it.`,
    ...runs.map(
      (r) =>
        `${r.label}: ${r.files} files, ${audioLabel(r.audioSeconds)}; exit ${r.child.exitCode ?? r.child.signal}, ${r.child.wallSeconds.toFixed(1)} s wall, ${(r.audioSeconds / r.child.wallSeconds).toFixed(0)} audio s/s; ${r.transcripts}/${r.files} transcripts written; ` +
        `peak RSS transcribe ${mib(r.child.rss.transcribe?.peakRssBytes)} (VmHWM ${mib(r.child.rss.transcribe?.hwmBytes)}; with children ${mib(r.child.rss.transcribe?.peakTreeRssBytes)}), ${STACK_SERVICES.map((s) => `${s} ${mib(r.child.rss[s]?.peakRssBytes)}`).join(", ")}; ` +
        `S3 left: ${Object.entries(r.usage).map(([k, u]) => `${k}/ ${u.objects} objects ${formatBytes(u.bytes)}`).join(", ")}; ` +
        `S3 data folder ${mib(r.child.disk["S3 data folder"]?.startBytes)} → peak ${mib(r.child.disk["S3 data folder"]?.peakBytes)} → ${mib(r.child.disk["S3 data folder"]?.endBytes)} after (before cleanup); load ${r.load.join(" → ")}` +
        `${totals(r.child.summary) ? `; --json totals ${totals(r.child.summary)}` : ""}.`,
    ),
    ...failed.map((f) => `${f.label} backlog failed: ${f.error}`),
    ...runs.flatMap((r) => (r.child.errorLines.length > 0 ? [`${r.label}: \`transcribe\` logged ${r.child.errorLines.length} error record(s); the first: ${r.child.errorLines[0]!.slice(0, 600)}`] : [])),
  ];
  if ("child" in auto) {
    notes.push(
      `Default engine and slots: LINGOSTREAM_ASR_ENGINE and LINGOSTREAM_ASR_MAX_IN_FLIGHT unset (${engineLabel}; slots as \`transcribe\` picks them, ${auto.child.rss.transcribe?.maxChildren ?? 0} decoder processes seen at once), ${auto.files} files, ${audioLabel(auto.audioSeconds)}; ${auto.child.wallSeconds.toFixed(1)} s wall, JobRequested → last JobCompleted ${auto.pipelineSeconds.toFixed(1)} s. ` +
        `The engine alone: a started persistent ${engineLabel} decoder on one CPU thread (model loaded before timing) over the clip's first ${options.directSegments} 30 s segments, before and after the run: ${auto.direct.map((d) => `${(d.audioSeconds / d.decodeSeconds).toFixed(2)} audio s/s (load ${d.load.join(" → ")})`).join(", ")}; their mean times ${auto.cores} cores is the baseline. On a machine shared with other work the baseline's single core is easier to get than all of them.`,
    );
  } else {
    notes.push(`Default-engine run failed: ${auto.error}`);
  }
  if (!hasJson) notes.push("This checkout's `transcribe` has no --json yet: runs went without it, and no summary was read.");
  return {
    rows,
    notes,
    details: {
      options,
      clipSeconds: pool.clip.seconds,
      sizes: all.map((r) => ("child" in r ? { ...r, child: { ...r.child, stderrTail: r.child.stderrTail.slice(-10) } } : r)),
      auto,
    },
    charts: [{ file: chartFile, title: "RSS of the `transcribe` process over each backlog run" }],
  };
}
