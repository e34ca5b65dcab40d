// engine: PocketSphinx real-time factor, its model load cost, and the
// persistent decoder against a fresh decoder process per segment, on the same
// speech: 30 s segments of a long clip and short clips of a few seconds.

import { createEngine, type AsrEngine } from "@lingostream/asr";
import { segmentMedia } from "@lingostream/segmenter";
import { LONG_TEXT, SHORT_TEXTS, loadWavAudio } from "@lingostream/testkit";
import { renderSpeech } from "./fixtures/media.ts";
import { ratio, type BenchContext, type Benchmark, type BenchmarkOutcome, type Row } from "./report.ts";

export interface EngineBenchOptions {
  /** 30 s segments of LONG_TEXT speech decoded by each engine. */
  segments: number;
  /** Short clips (SHORT_TEXTS) decoded by each engine. */
  shortClips: number;
  /** Fresh decoders started to time the model load. */
  loads: number;
  /** Decodes of each clip per engine; the fastest counts, as load from other processes only ever slows a run down. */
  repeats: number;
}

export const ENGINE_FULL: EngineBenchOptions = { segments: 4, shortClips: 3, loads: 5, repeats: 2 };
export const ENGINE_QUICK: EngineBenchOptions = { segments: 1, shortClips: 2, loads: 2, repeats: 1 };

export const engineBenchmark: Benchmark = {
  name: "engine",
  title: "PocketSphinx real-time factor, model load, persistent decoder vs a process per segment",
  run: (ctx) => runEngineBench(ctx, ctx.quick ? ENGINE_QUICK : ENGINE_FULL),
};

interface Clip {
  pcm: Buffer;
  seconds: number;
}

interface Startable {
  start(): Promise<number>;
}

export async function runEngineBench(ctx: BenchContext, options: EngineBenchOptions): Promise<BenchmarkOutcome> {
  const speech = await renderSpeech(ctx.cacheDir, "engine-long", LONG_TEXT.text);
  const long: Clip[] = [];
  for await (const s of segmentMedia(speech.path)) {
    if (long.length >= options.segments) break;
    long.push({ pcm: s.pcm, seconds: s.endSeconds - s.startSeconds });
  }
  const short: Clip[] = [];
  for (const text of SHORT_TEXTS.slice(0, options.shortClips)) {
    const rendered = await renderSpeech(ctx.cacheDir, `engine-${text.id}`, text.text);
    short.push({ pcm: (await loadWavAudio(rendered.path)).pcm, seconds: rendered.durationSeconds });
  }

  const loads: { reportedMs: number; wallMs: number }[] = [];
  for (let i = 0; i < options.loads; i++) {
    const engine = createEngine("pocketsphinx");
    const t = performance.now();
    const reportedMs = await (engine as unknown as Startable).start();
    loads.push({ reportedMs, wallMs: performance.now() - t });
    await engine.close();
  }
  const loadMs = median(loads.map((l) => l.wallMs));
  ctx.log(`model load: ${loadMs.toFixed(0)} ms wall (spawn + load; decoder reports ${median(loads.map((l) => l.reportedMs)).toFixed(0)} ms)`);

  const persistent = createEngine("pocketsphinx");
  await (persistent as unknown as Startable).start();
  const spawn = createEngine("pocketsphinx-spawn");
  const runs: Record<string, { persistent: number; spawn: number; audio: number }> = {};
  try {
    // Warm the spawn engine's binary and page cache once, as the persistent one was by start().
    await spawn.transcribe({ pcm: Buffer.alloc(3200), sampleRate: 16_000 }, { language: "en" });
    for (const [name, clips] of [["30 s segments", long], ["short clips", short]] as const) {
      const audio = clips.reduce((sum, c) => sum + c.seconds, 0);
      // Alternate the engines per clip so drifting machine load hits both alike.
      let p = 0;
      let s = 0;
      for (const clip of clips) {
        const pt: number[] = [];
        const st: number[] = [];
        for (let i = 0; i < options.repeats; i++) {
          pt.push(await timed(persistent, clip));
          st.push(await timed(spawn, clip));
        }
        p += Math.min(...pt);
        s += Math.min(...st);
      }
      runs[name] = { persistent: p, spawn: s, audio };
      ctx.log(`${name} (${audio.toFixed(1)} s of audio): persistent RTF ${(p / audio).toFixed(3)}, process per segment RTF ${(s / audio).toFixed(3)}`);
    }
  } finally {
    await persistent.close();
    await spawn.close();
  }

  const rows: Row[] = [];
  for (const [name, r] of Object.entries(runs)) {
    rows.push({
      what: `real-time factor on ${name}, persistent decoder vs a process per segment`,
      baseline: { label: "process per segment", value: r.spawn / r.audio, unit: "x" },
      subject: { label: "persistent", value: r.persistent / r.audio, unit: "x" },
      ratio: ratio(r.persistent, r.spawn),
    });
  }
  rows.push({ what: "model load (spawn ps-decoder, load en-us model), median wall time", subject: { label: "persistent decoder start", value: loadMs, unit: "ms" } });
  const notes = [
    `Real-time factor = decoding time / audio duration (lower is faster; 0.14 means a minute of audio in 8.4 s), per worker, one segment at a time. Speech is flite (voice slt) of testkit's texts; 30 s segments are the first ${long.length} cuts of LONG_TEXT by segmentMedia.`,
    `The persistent engine is started (model loaded) before timing; the per-segment engine pays spawn + model load on every call, which is the difference. Engines alternate clip by clip; each clip is decoded ${options.repeats} time(s) per engine and the fastest counts (other processes' load only ever slows a decode down).`,
  ];
  return { rows, notes, details: { options, loads, runs } };
}

async function timed(engine: AsrEngine, clip: Clip): Promise<number> {
  const t = performance.now();
  await engine.transcribe({ pcm: clip.pcm, sampleRate: 16_000 }, { language: "en" });
  return (performance.now() - t) / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
