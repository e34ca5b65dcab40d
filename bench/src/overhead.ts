// overhead: the whole pipeline (segmenter → ASR → sink → transcripts, workers
// in-process as `lingostream transcribe` runs them) against a direct loop that
// calls the PocketSphinx engine on the same segments; and the word error rate
// of the pipeline against the engine run on the whole clip at once.

import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { createEngine } from "@lingostream/asr";
import { segmentMedia } from "@lingostream/segmenter";
import { wordErrorRate } from "@lingostream/runtime";
import { LONG_TEXT, createStackContext, loadWavAudio } from "@lingostream/testkit";
import { readPipelineTimes } from "./fixtures/event-times.ts";
import { deleteObjects, tenantPrefixes } from "./fixtures/events.ts";
import { renderSpeech } from "./fixtures/media.ts";
import { ratio, type BenchContext, type Benchmark, type BenchmarkOutcome, type PipelineHooks, type Row } from "./report.ts";

export interface OverheadOptions {
  /** How many times LONG_TEXT is spoken (about 151 s each), or a share of it below 1. */
  repeats: number;
}

export const OVERHEAD_FULL: OverheadOptions = { repeats: 2 };
export const OVERHEAD_QUICK: OverheadOptions = { repeats: 0.3 };

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

interface PipelineRun {
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

  let t = performance.now();
  const segments: Buffer[] = [];
  for await (const s of segmentMedia(speech.path)) segments.push(s.pcm);
  const segmentingSeconds = (performance.now() - t) / 1000;
  ctx.log(`${segments.length} segments (segmenting alone: ${segmentingSeconds.toFixed(2)} s)`);

  // The engine on the whole clip: the accuracy reference segmenting must not fall behind.
  const wholeEngine = createEngine("pocketsphinx");
  t = performance.now();
  const whole = await wholeEngine.transcribe(await loadWavAudio(speech.path), { language: "en" }).finally(() => wholeEngine.close());
  const wholeSeconds = (performance.now() - t) / 1000;
  const wholeWer = wordErrorRate(text, whole.text).wer;
  ctx.log(`engine on the whole clip: ${wholeSeconds.toFixed(1)} s, WER ${wholeWer.toFixed(3)}`);

  // The direct loop pays the model load like the pipeline's processor does on its first segment.
  t = performance.now();
  const loopEngine = createEngine("pocketsphinx");
  const texts: string[] = [];
  try {
    for (const pcm of segments) texts.push((await loopEngine.transcribe({ pcm, sampleRate: 16_000 }, { language: "en" })).text);
  } finally {
    await loopEngine.close();
  }
  const loopSeconds = (performance.now() - t) / 1000;
  const loopWer = wordErrorRate(text, texts.join(" ")).wer;
  ctx.log(`direct loop over the segments: ${loopSeconds.toFixed(1)} s, WER ${loopWer.toFixed(3)}`);

  const one = await runPipeline(ctx, hooks, speech.path, text, 1);
  const two = await runPipeline(ctx, hooks, speech.path, text, 2);

  const rows: Row[] = [];
  for (const [slots, run, goal] of [
    ["one processor slot", one, ONE_PROCESSOR_GOAL],
    ["two processor slots", two, TWO_PROCESSORS_GOAL],
  ] as const) {
    const meets = (r: number) => (goal === ONE_PROCESSOR_GOAL ? r <= goal : r < goal);
    const goalText = goal === ONE_PROCESSOR_GOAL ? `≤ ${goal}` : `< ${goal}`;
    const wall = ratio(run.seconds, loopSeconds);
    const pipe = ratio(run.pipelineSeconds, loopSeconds);
    rows.push(
      {
        what: `wall time of \`transcribe\` (${slots}) vs direct engine loop`,
        baseline: { label: "direct loop", value: loopSeconds, unit: "s" },
        subject: { label: "transcribe", value: run.seconds, unit: "s" },
        ratio: wall,
        goal: goalText,
        met: meets(wall),
      },
      {
        what: `JobRequested → JobCompleted (${slots}) vs direct engine loop`,
        baseline: { label: "direct loop", value: loopSeconds, unit: "s" },
        subject: { label: "pipeline", value: run.pipelineSeconds, unit: "s" },
        ratio: pipe,
        goal: goalText,
        met: meets(pipe),
      },
      {
        what: `JobRequested → last SegmentTranscribed (${slots}) vs direct engine loop`,
        baseline: { label: "direct loop", value: loopSeconds, unit: "s" },
        subject: { label: "pipeline", value: run.transcribedSeconds, unit: "s" },
        ratio: ratio(run.transcribedSeconds, loopSeconds),
      },
    );
  }
  for (const [label, run] of [["1 in flight", one], ["2 in flight", two]] as const) {
    const delta = run.wer - wholeWer;
    rows.push({
      what: `WER, pipeline (${label}) vs engine on the whole clip`,
      baseline: { label: "whole clip", value: wholeWer, unit: "ratio" },
      subject: { label: "pipeline", value: run.wer, unit: "ratio" },
      delta,
      goal: `within ${WER_GOAL}`,
      met: Math.abs(delta) <= WER_GOAL,
    });
  }
  rows.push({
    what: "WER, direct loop over the segments vs engine on the whole clip",
    baseline: { label: "whole clip", value: wholeWer, unit: "ratio" },
    subject: { label: "direct loop", value: loopWer, unit: "ratio" },
    delta: loopWer - wholeWer,
  });
  const notes = [
    `Input: ${speech.durationSeconds.toFixed(1)} s of flite speech (voice slt) of testkit's LONG_TEXT${options.repeats >= 1 ? ` x${Math.round(options.repeats)}` : " (first sentences)"}, cut into ${segments.length} segments by segmentMedia with the pipeline's defaults.`,
    `Pipeline: every worker role started in this process on isolated topics (createStackContext) before timing, default configuration. "transcribe" is the wall time of the \`transcribe\` call: it also joins a consumer group to watch the job (Kafka's 3 s initial rebalance delay), uploads the file to S3 (as in cluster mode) and writes the outputs. "JobRequested → JobCompleted" is the pipeline's own span, from the events' times; it still includes the sink's flush interval (5 s by default) at the tail, which "→ last SegmentTranscribed" leaves out (every segment transcribed and durable in Kafka, the work the direct loop does). Two slots = LINGOSTREAM_ASR_MAX_IN_FLIGHT=2 (two PocketSphinx decoders) on segments spread over 2 partitions.`,
    `Direct loop: a fresh persistent PocketSphinx engine (model load included, as in the pipeline) over the same segments already cut; cutting took ${segmentingSeconds.toFixed(2)} s more. Engine on the whole clip: ${wholeSeconds.toFixed(1)} s.`,
  ];
  return {
    rows,
    notes,
    details: { options, speechSeconds: speech.durationSeconds, segments: segments.length, segmentingSeconds, wholeSeconds, wholeWer, loopSeconds, loopWer, pipeline: { one, two } },
  };
}

async function runPipeline(ctx: BenchContext, hooks: PipelineHooks, media: string, text: string, inFlight: number): Promise<PipelineRun> {
  const stack = await createStackContext(`bench-overhead-${inFlight}`, {
    partitions: 2,
    env: { LINGOSTREAM_ASR_MAX_IN_FLIGHT: String(inFlight), LINGOSTREAM_ASR_ENGINE: "pocketsphinx" },
  });
  const tenant = `bench${randomBytes(3).toString("hex")}`;
  const out = await mkdtemp(join(ctx.cacheDir, "overhead-out-"));
  const workers = await hooks.startWorkers(stack.ctx, stack.env);
  try {
    const started = performance.now();
    const exitCode = await hooks.transcribe(
      [media],
      { out, language: "en", engine: "pocketsphinx", tenant },
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
    ctx.log(`pipeline, ${inFlight} in flight: transcribe ${seconds.toFixed(1)} s, JobRequested → JobCompleted ${pipelineSeconds.toFixed(1)} s, WER ${wer.toFixed(3)}`);
    return { seconds, pipelineSeconds, transcribedSeconds, wer, segments: transcript.segments.length, exitCode };
  } finally {
    await workers.stop();
    await deleteObjects(stack.ctx.store, [...tenantPrefixes(tenant), `archive/${stack.ctx.topics.results}/`]);
    await stack.cleanup();
    await rm(out, { recursive: true, force: true });
  }
}
