// overhead: the whole pipeline (segmenter → ASR → sink → transcripts, workers
// in-process as `lingostream transcribe` runs them) against a direct loop that
// calls the engine on the same segments; and the word error rate of the
// pipeline against the engine run on the whole clip at once. For whisper (the
// default engine) and PocketSphinx in turn, on the same speech; then whisper's
// one-slot pipeline with one thread per decoder against two, alternating, for
// LINGOSTREAM_WHISPER_THREADS=auto's choice.

import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { type AsrEngine, createEngine, resolveWhisperThreads } from "@lingostream/asr";
import { availableCores } from "@lingostream/runtime";
import { segmentMedia } from "@lingostream/segmenter";
import { createStackContext, LONG_TEXT, loadWavAudio, wordErrorRate } from "@lingostream/testkit";
import { readPipelineTimes } from "./fixtures/event-times.ts";
import { deleteObjects, tenantPrefixes } from "./fixtures/events.ts";
import { renderSpeech } from "./fixtures/media.ts";
import { metricTotal } from "./fixtures/metrics.ts";
import { loadAverage } from "./machine.ts";
import { type BenchContext, type Benchmark, type BenchmarkOutcome, type PipelineHooks, type Row, ratio } from "./report.ts";

export type OverheadEngine = "whisper" | "pocketsphinx";

/** An engine as the pipeline runs it. */
export interface OverheadRun {
  engine: OverheadEngine;
  /** LINGOSTREAM_WHISPER_THREADS for the pipeline and the direct loop alike; unset: auto. */
  whisperThreads?: number;
}

export interface OverheadOptions {
  /** How many times LONG_TEXT is spoken (about 151 s each), or a share of it below 1. */
  repeats: number;
  /** Engines through the whole sequence (see measureEngine), the default first. */
  engines: readonly OverheadEngine[];
  /**
   * Thread counts per whisper decoder compared with one slot, each run this many
   * times in alternating order (the first in the list is auto's); 0 for none.
   */
  threadRounds: number;
  threads: readonly number[];
}

export const OVERHEAD_FULL: OverheadOptions = { repeats: 2, engines: ["whisper", "pocketsphinx"], threadRounds: 4, threads: [1, 2] };
export const OVERHEAD_QUICK: OverheadOptions = { repeats: 0.3, engines: ["whisper"], threadRounds: 0, threads: [] };

function runLabel(run: OverheadRun): string {
  if (run.engine === "pocketsphinx") return "PocketSphinx";
  return run.whisperThreads === undefined ? "whisper tiny.en" : `whisper tiny.en, ${run.whisperThreads} thread(s) per decoder`;
}

const ONE_PROCESSOR_GOAL = 1.1;
const TWO_PROCESSORS_GOAL = 1.0;
const WER_GOAL = 0.03;

export const overheadBenchmark: Benchmark = {
  name: "overhead",
  title: "pipeline wall time vs calling the engine directly; WER of segmenting",
  run: (ctx) => runOverhead(ctx, ctx.quick ? OVERHEAD_QUICK : OVERHEAD_FULL),
};

export function spokenText(repeats: number): string {
  if (repeats >= 1) return Array.from({ length: Math.round(repeats) }, () => LONG_TEXT.text).join(" ");
  const sentences = LONG_TEXT.text.split(/(?<=\.) /);
  return sentences.slice(0, Math.max(1, Math.round(sentences.length * repeats))).join(" ");
}

interface DirectLoop {
  seconds: number;
  wer: number;
  /** 1-minute load average before and after. */
  load: number[];
}

/**
 * The engine as the pipeline's processor builds it with one slot: whisper with
 * the threads LINGOSTREAM_WHISPER_THREADS gives one slot (the run's, or auto).
 */
function directEngine(run: OverheadRun): AsrEngine {
  return createEngine(run.engine, { whisper: { threads: resolveWhisperThreads(run.whisperThreads ?? "auto", 1) } });
}

/** The baseline: a fresh persistent engine (it pays the model load, as the pipeline's processor does) over the cut segments. */
async function runDirectLoop(run: OverheadRun, segments: readonly Buffer[], text: string): Promise<DirectLoop> {
  const before = loadAverage()[0] ?? 0;
  const started = performance.now();
  const engine = directEngine(run);
  const texts: string[] = [];
  try {
    for (const pcm of segments) texts.push((await engine.transcribe({ pcm, sampleRate: 16_000 }, { language: "en" })).text);
  } finally {
    await engine.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, wer: wordErrorRate(text, texts.join(" ")).wer, load: [before, loadAverage()[0] ?? 0] };
}

interface PipelineRun {
  inFlight: number;
  /** Sum of the processor's per-segment handling time (its own histogram), s. */
  busySeconds: number;
  /** 1-minute load average before and after. */
  load: number[];
  /** Wall time of the `transcribe` call. */
  seconds: number;
  /** JobRequested → JobCompleted, by the events' own times. */
  pipelineSeconds: number;
  /** JobRequested → last SegmentTranscribed: every segment transcribed and durable, before the sink's part. */
  transcribedSeconds: number;
  wer: number;
  segments: number;
  exitCode: number;
}

export async function runOverhead(ctx: BenchContext, options: OverheadOptions): Promise<BenchmarkOutcome> {
  const hooks = ctx.pipeline;
  if (!hooks) throw new Error("overhead needs the in-process pipeline: run it through `lingostream bench`");
  const text = spokenText(options.repeats);
  const speech = await renderSpeech(ctx.cacheDir, `overhead-${Math.round(options.repeats * 100)}`, text);
  ctx.log(`speech: ${speech.durationSeconds.toFixed(1)} s of flite`);

  const t = performance.now();
  const segments: Buffer[] = [];
  for await (const s of segmentMedia(speech.path)) segments.push(s.pcm);
  const segmentingSeconds = (performance.now() - t) / 1000;
  ctx.log(`${segments.length} segments (segmenting alone: ${segmentingSeconds.toFixed(2)} s)`);

  const rows: Row[] = [];
  const phases: string[] = [];
  const runs: Record<string, unknown> = {};
  for (const engine of options.engines) {
    const measured = await measureEngine(ctx, hooks, { engine }, speech.path, segments, text);
    rows.push(...measured.rows);
    phases.push(measured.phases);
    runs[engine] = measured.details;
  }
  let threadRuns: ThreadRun[] = [];
  if (options.threadRounds > 0 && options.threads.length > 1) {
    threadRuns = await compareWhisperThreads(ctx, hooks, speech.path, text, options);
    rows.push(...threadRows(threadRuns, speech.durationSeconds, options.threads));
  }
  const notes = [
    `Input: ${speech.durationSeconds.toFixed(1)} s of flite speech (voice slt) of testkit's LONG_TEXT${options.repeats >= 1 ? ` x${Math.round(options.repeats)}` : " (first sentences)"}, cut into ${segments.length} segments by segmentMedia with the pipeline's defaults (cutting took ${segmentingSeconds.toFixed(2)} s more than the direct loops, which get the segments already cut). Engines in turn: ${options.engines.map((engine) => runLabel({ engine })).join(", ")}, each through the same sequence.`,
    `Pipeline: every worker role started in this process on isolated topics (createStackContext) before timing, default configuration but for the engine. "transcribe" is the wall time of the \`transcribe\` call: it also joins a consumer group to watch the job (Kafka's 3 s initial rebalance delay), uploads the file to S3 (as in cluster mode) and writes the outputs. "JobRequested → JobCompleted" is the pipeline's own span, from the events' times; it still includes the sink's flush interval (1 s by default) at the tail, which "→ last SegmentTranscribed" leaves out (every segment transcribed and durable in Kafka, the work the direct loop does). Two slots = LINGOSTREAM_ASR_MAX_IN_FLIGHT=2 (two decoders) on segments spread over 2 partitions; whisper decoders get LINGOSTREAM_WHISPER_THREADS=auto (${resolveWhisperThreads("auto", 1)} thread(s) with one slot, ${resolveWhisperThreads("auto", 2)} each with two, on ${availableCores()} cores) unless the run sets a count, which the pipeline and its direct loops then share.`,
    `Direct loop: a fresh persistent engine (model load included, as in the pipeline; whisper with the threads one slot gives it) over the same segments. It ran before, between and after the two pipeline runs, and each pipeline run is compared with the mean of the two around it; their spread shows how much the shared machine's load moved.`,
    `Processor busy time = the sum of lingostream_asr_segment_duration_seconds (fetch, verify, decode, produce per segment) in the pipeline's own registry: measured in the same run as the pipeline's span, so the ratio of the two is not moved by load from other processes.`,
    ...(threadRuns.length > 0
      ? [
          `Threads per whisper decoder with one slot: the one-slot pipeline run ${options.threadRounds} times with each of LINGOSTREAM_WHISPER_THREADS=${options.threads.join(" and ")}, alternating (${options.threads.join(", ")}, then the reverse order, and so on) so that drifting load hits each alike; audio seconds per second = the clip's length / JobRequested → JobCompleted, the spans' geometric mean per thread count; the ratio pairs the two runs of each round. Pipeline spans in order: ${threadRuns.map((r) => `${r.threads} thread(s) ${r.run.pipelineSeconds.toFixed(1)} s (load ${r.run.load.join(" → ")})`).join("; ")}.`,
        ]
      : []),
    ...phases,
  ];
  return { rows, notes, details: { options, speechSeconds: speech.durationSeconds, segments: segments.length, segmentingSeconds, runs, threadRuns } };
}

interface ThreadRun {
  threads: number;
  run: PipelineRun;
}

/** whisper's one-slot pipeline with each thread count in turn, the order reversed every round. */
async function compareWhisperThreads(ctx: BenchContext, hooks: PipelineHooks, media: string, text: string, options: OverheadOptions): Promise<ThreadRun[]> {
  const out: ThreadRun[] = [];
  for (let round = 0; round < options.threadRounds; round++) {
    const order = round % 2 === 0 ? options.threads : [...options.threads].reverse();
    for (const threads of order) out.push({ threads, run: await runPipeline(ctx, hooks, { engine: "whisper", whisperThreads: threads }, media, text, 1) });
  }
  return out;
}

/**
 * Chosen thread count against each other one. Load on a shared machine drifts
 * over minutes, so the ratio is paired: within each round the two runs are
 * adjacent, and the rounds' ratios are averaged geometrically.
 */
function threadRows(runs: readonly ThreadRun[], audioSeconds: number, threads: readonly number[]): Row[] {
  const [chosen, ...others] = threads;
  if (chosen === undefined) return [];
  const rounds = runs.length / threads.length;
  const spansOf = (n: number): number[] => runs.filter((r) => r.threads === n).map((r) => r.run.pipelineSeconds);
  const geomean = (xs: readonly number[]): number => Math.exp(xs.reduce((sum, x) => sum + Math.log(x), 0) / xs.length);
  return others.map((other) => {
    const mine = spansOf(chosen);
    const theirs = spansOf(other);
    const paired = geomean(mine.map((span, i) => theirs[i]! / span));
    return {
      what: `whisper tiny.en, one slot: audio seconds per second of the pipeline (JobRequested → JobCompleted; geometric mean over ${rounds} rounds, ratio paired within each round), ${chosen} thread(s) per decoder (LINGOSTREAM_WHISPER_THREADS=auto on ${availableCores()} cores gives ${resolveWhisperThreads("auto", 1)}) vs ${other}`,
      baseline: { label: `${other} thread(s)`, value: audioSeconds / geomean(theirs), unit: "s/s" },
      subject: { label: `${chosen} thread(s)`, value: audioSeconds / geomean(mine), unit: "s/s" },
      ratio: paired,
    };
  });
}

/** One engine through the sequence: the whole clip, then direct loop, pipeline with 1 slot, direct loop, pipeline with 2 slots, direct loop. */
async function measureEngine(
  ctx: BenchContext,
  hooks: PipelineHooks,
  run: OverheadRun,
  media: string,
  segments: readonly Buffer[],
  text: string,
): Promise<{ rows: Row[]; phases: string; details: unknown }> {
  const label = runLabel(run);
  // The engine on the whole clip: the accuracy reference segmenting must not fall behind.
  const wholeEngine = directEngine(run);
  const t = performance.now();
  const whole = await wholeEngine.transcribe(await loadWavAudio(media), { language: "en" }).finally(() => wholeEngine.close());
  const wholeSeconds = (performance.now() - t) / 1000;
  const wholeWer = wordErrorRate(text, whole.text).wer;
  ctx.log(`${label} on the whole clip: ${wholeSeconds.toFixed(1)} s, WER ${wholeWer.toFixed(3)}`);

  // The machine is shared and its load drifts over minutes, so each pipeline run
  // is bracketed by direct loops and compared with their mean.
  const loops: DirectLoop[] = [];
  const directLoop = async () => {
    const loop = await runDirectLoop(run, segments, text);
    loops.push(loop);
    ctx.log(`${label} direct loop over the segments: ${loop.seconds.toFixed(1)} s, WER ${loop.wer.toFixed(3)} (load ${loop.load.join(" → ")})`);
    return loop;
  };
  const loopA = await directLoop();
  const one = await runPipeline(ctx, hooks, run, media, text, 1);
  const loopB = await directLoop();
  const two = await runPipeline(ctx, hooks, run, media, text, 2);
  const loopC = await directLoop();
  const loopWer = loopA.wer;

  const rows: Row[] = [];
  for (const [slots, pipeline, goal, bracket] of [
    ["one processor slot", one, ONE_PROCESSOR_GOAL, [loopA, loopB]],
    ["two processor slots", two, TWO_PROCESSORS_GOAL, [loopB, loopC]],
  ] as const) {
    const meets = (r: number) => (goal === ONE_PROCESSOR_GOAL ? r <= goal : r < goal);
    const goalText = goal === ONE_PROCESSOR_GOAL ? `≤ ${goal}` : `< ${goal}`;
    const loopSeconds = (bracket[0].seconds + bracket[1].seconds) / 2;
    const baseline = { label: "direct loop (mean of the two around it)", value: loopSeconds, unit: "s" };
    const wall = ratio(pipeline.seconds, loopSeconds);
    const pipe = ratio(pipeline.pipelineSeconds, loopSeconds);
    rows.push(
      {
        what: `${label}: wall time of \`transcribe\` (${slots}) vs direct engine loop`,
        baseline,
        subject: { label: "transcribe", value: pipeline.seconds, unit: "s" },
        ratio: wall,
        goal: goalText,
        met: meets(wall),
      },
      {
        what: `${label}: JobRequested → JobCompleted (${slots}) vs direct engine loop`,
        baseline,
        subject: { label: "pipeline", value: pipeline.pipelineSeconds, unit: "s" },
        ratio: pipe,
        goal: goalText,
        met: meets(pipe),
      },
      {
        what: `${label}: JobRequested → last SegmentTranscribed (${slots}) vs direct engine loop`,
        baseline,
        subject: { label: "pipeline", value: pipeline.transcribedSeconds, unit: "s" },
        ratio: ratio(pipeline.transcribedSeconds, loopSeconds),
      },
    );
    if (pipeline.inFlight === 1) {
      rows.push({
        what: `${label}: JobRequested → JobCompleted vs the processor's own busy time in that run (fetch, decode, produce; same load)`,
        baseline: { label: "processor busy", value: pipeline.busySeconds, unit: "s" },
        subject: { label: "pipeline", value: pipeline.pipelineSeconds, unit: "s" },
        ratio: ratio(pipeline.pipelineSeconds, pipeline.busySeconds),
      });
    }
  }
  for (const pipeline of [one, two]) {
    const delta = pipeline.wer - wholeWer;
    rows.push({
      what: `${label}: WER, pipeline (${pipeline.inFlight} in flight) vs engine on the whole clip`,
      baseline: { label: "whole clip", value: wholeWer, unit: "ratio" },
      subject: { label: "pipeline", value: pipeline.wer, unit: "ratio" },
      delta,
      goal: `within ${WER_GOAL}`,
      met: Math.abs(delta) <= WER_GOAL,
    });
  }
  rows.push({
    what: `${label}: WER, direct loop over the segments vs engine on the whole clip`,
    baseline: { label: "whole clip", value: wholeWer, unit: "ratio" },
    subject: { label: "direct loop", value: loopWer, unit: "ratio" },
    delta: loopWer - wholeWer,
  });
  const phaseLoads: [string, number[]][] = [
    ["loop A", loopA.load],
    ["pipeline 1", one.load],
    ["loop B", loopB.load],
    ["pipeline 2", two.load],
    ["loop C", loopC.load],
  ];
  const phases = `${label}: engine on the whole clip ${wholeSeconds.toFixed(1)} s; direct loops ${loops.map((l) => `${l.seconds.toFixed(1)} s`).join(", ")}; 1-minute load average around each phase (2 cores): ${phaseLoads
    .map(([phase, load]) => `${phase} ${load.join(" → ")}`)
    .join("; ")}.`;
  return { rows, phases, details: { wholeSeconds, wholeWer, loops, pipeline: { one, two } } };
}

async function runPipeline(ctx: BenchContext, hooks: PipelineHooks, run: OverheadRun, media: string, text: string, inFlight: number): Promise<PipelineRun> {
  const { engine } = run;
  const stack = await createStackContext(`bench-overhead-${engine}-${inFlight}`, {
    partitions: 2,
    env: {
      LINGOSTREAM_ASR_MAX_IN_FLIGHT: String(inFlight),
      LINGOSTREAM_ASR_ENGINE: engine,
      ...(run.whisperThreads === undefined ? {} : { LINGOSTREAM_WHISPER_THREADS: String(run.whisperThreads) }),
    },
  });
  const tenant = `bench${randomBytes(3).toString("hex")}`;
  const out = await mkdtemp(join(ctx.cacheDir, "overhead-out-"));
  const workers = await hooks.startWorkers(stack.ctx, stack.env);
  try {
    const before = loadAverage()[0] ?? 0;
    const started = performance.now();
    const exitCode = await hooks.transcribe(
      [media],
      { out, language: "en", engine, tenant },
      { ...stack.env, KAFKA_BROKERS: stack.ctx.config.kafkaBrokers.join(",") },
    );
    const seconds = (performance.now() - started) / 1000;
    if (exitCode !== 0) throw new Error(`transcribe exited ${exitCode}`);
    const name = basename(media).replace(/\.[^.]+$/, "");
    const transcript = JSON.parse(await readFile(join(out, `${name}.json`), "utf8")) as { text: string; segments: unknown[] };
    const wer = wordErrorRate(text, transcript.text).wer;
    const times = await readPipelineTimes(stack.ctx);
    const pipelineSeconds = (times.completed - times.requested) / 1000;
    const transcribedSeconds = ((times.results.at(-1) ?? times.completed) - times.requested) / 1000;
    ctx.log(`${runLabel(run)} pipeline, ${inFlight} in flight: transcribe ${seconds.toFixed(1)} s, JobRequested → JobCompleted ${pipelineSeconds.toFixed(1)} s, WER ${wer.toFixed(3)}`);
    const load = [before, loadAverage()[0] ?? 0];
    const busySeconds = await metricTotal(stack.ctx.metrics, "lingostream_asr_segment_duration_seconds");
    return { inFlight, busySeconds, load, seconds, pipelineSeconds, transcribedSeconds, wer, segments: transcript.segments.length, exitCode };
  } finally {
    await workers.stop();
    await deleteObjects(stack.ctx.store, [...tenantPrefixes(tenant), `archive/${stack.ctx.topics.results}/`]);
    await stack.cleanup();
    await rm(out, { recursive: true, force: true });
  }
}

