// engine: the ASR engines side by side on the same speech — whisper (tiny.en,
// the default, and base) against PocketSphinx: word error rate on flite speech
// with known text and on recorded speech, CPU seconds per audio second, real-time factor
// with one slot and with the default slots, model load, peak RSS per decoder;
// and PocketSphinx's persistent decoder against a fresh process per segment.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type AsrEngine, createEngine, DECODER_MEMORY_BYTES, resolveSlots, resolveWhisperThreads, whisperDecoderMemoryBytes } from "@lingostream/asr";
import { availableCores } from "@lingostream/runtime";
import { segmentMedia } from "@lingostream/segmenter";
import { LONG_TEXT, loadWavAudio, SHORT_TEXTS, wordErrorRate } from "@lingostream/testkit";
import { renderSpeech } from "./fixtures/media.ts";
import { readProcCpuSeconds } from "./proc-cpu.ts";
import { readProcMemory } from "./proc-memory.ts";
import { type BenchContext, type Benchmark, type BenchmarkOutcome, type Row, ratio } from "./report.ts";

export interface EngineBenchOptions {
  /** 30 s segments of LONG_TEXT speech decoded by each PocketSphinx engine (persistent vs a process per segment). */
  segments: number;
  /** Short clips (SHORT_TEXTS) decoded by each engine. */
  shortClips: number;
  /** Fresh decoders started per engine to time the model load. */
  loads: number;
  /** Decodes of each clip per PocketSphinx engine; the fastest counts, as load from other processes only ever slows a run down. */
  repeats: number;
  /** Whether the engines compared also decode the whole of LONG_TEXT (cut into 30 s segments) for their word error rate. */
  longText: boolean;
  /** Recorded clips (LibriVox, from pocketsphinx-testdata) decoded by each engine; 0 for none. */
  recordedClips: number;
}

export const ENGINE_FULL: EngineBenchOptions = { segments: 4, shortClips: 3, loads: 5, repeats: 2, longText: true, recordedClips: 5 };
export const ENGINE_QUICK: EngineBenchOptions = { segments: 1, shortClips: 2, loads: 2, repeats: 1, longText: false, recordedClips: 2 };

/** Debian's pocketsphinx-testdata: LibriVox readings with their transcripts (BSD-2 per the package's copyright file). */
const LIBRIVOX = "/usr/share/pocketsphinx/test/data/librivox";

/** The engines compared: whisper with its bundled tiny.en (the default) and base, and PocketSphinx with Debian's en-us model. */
const COMPARED = [
  { key: "tiny.en", engine: "whisper", model: "tiny.en", label: "whisper tiny.en" },
  { key: "base", engine: "whisper", model: "base", label: "whisper base" },
  { key: "pocketsphinx", engine: "pocketsphinx", model: undefined, label: "PocketSphinx" },
] as const;
type Compared = (typeof COMPARED)[number];
type ComparedKey = Compared["key"];

export const engineBenchmark: Benchmark = {
  name: "engine",
  title: "ASR engines side by side (whisper tiny.en and base, PocketSphinx): WER, CPU per audio second, real-time factor, model load, decoder RSS; PocketSphinx persistent vs a process per segment",
  run: (ctx) => runEngineBench(ctx, ctx.quick ? ENGINE_QUICK : ENGINE_FULL),
};

interface Clip {
  pcm: Buffer;
  seconds: number;
}

/** A piece of audio the compared engines decode; pieces with the same reference are joined before scoring. */
interface Piece extends Clip {
  set: "flite" | "recorded";
  reference: string;
  /** Order within its reference. */
  part: number;
}

/** A started persistent decoder, as WhisperEngine and PocketSphinxEngine are. */
interface Decoder extends AsrEngine {
  start(): Promise<number>;
  readonly pid: number | undefined;
}

interface Pooled {
  wer: number;
  refWords: number;
  errors: number;
}

interface SlotRun {
  slots: number;
  audioSeconds: number;
  wallSeconds: number;
  /** Decoder processes' CPU time (user + system) over the run. */
  cpuSeconds: number;
  /** Largest VmHWM among the run's decoders. */
  peakRssBytes: number;
}

interface EngineFigures {
  loadMs: number;
  reportedLoadMs: number;
  oneSlot: SlotRun;
  autoSlots: SlotRun;
  wer: Partial<Record<Piece["set"], Pooled>>;
}

export async function runEngineBench(ctx: BenchContext, options: EngineBenchOptions): Promise<BenchmarkOutcome> {
  const speech = await renderSpeech(ctx.cacheDir, "engine-long", LONG_TEXT.text);
  const longAll: Clip[] = [];
  for await (const s of segmentMedia(speech.path)) longAll.push({ pcm: s.pcm, seconds: s.endSeconds - s.startSeconds });
  const long = longAll.slice(0, options.segments);
  const short: (Clip & { text: string })[] = [];
  for (const text of SHORT_TEXTS.slice(0, options.shortClips)) {
    const rendered = await renderSpeech(ctx.cacheDir, `engine-${text.id}`, text.text);
    short.push({ pcm: (await loadWavAudio(rendered.path)).pcm, seconds: rendered.durationSeconds, text: text.text });
  }

  const pieces: Piece[] = short.map((c) => ({ ...c, set: "flite", reference: c.text, part: 0 }));
  if (options.longText) pieces.push(...longAll.map((c, part) => ({ ...c, set: "flite" as const, reference: LONG_TEXT.text, part })));
  const recorded = options.recordedClips > 0 && existsSync(join(LIBRIVOX, "transcription")) ? (await recordedSpeech()).slice(0, options.recordedClips) : [];
  for (const clip of recorded) {
    const input = await loadWavAudio(clip.path);
    pieces.push({ pcm: input.pcm, seconds: input.pcm.length / 32_000, set: "recorded", reference: clip.text, part: 0 });
  }
  const autoSlots = resolveSlots("auto");
  const cores = availableCores();

  const figures = {} as Record<ComparedKey, EngineFigures>;
  const loadRuns: Record<string, { reportedMs: number; wallMs: number }[]> = {};
  for (const compared of COMPARED) {
    const { key, label } = compared;
    const loads = await timeLoads(compared, options.loads);
    loadRuns[key] = loads;
    const loadMs = median(loads.map((l) => l.wallMs));
    const reportedLoadMs = median(loads.map((l) => l.reportedMs));
    ctx.log(`${label}: model load ${loadMs.toFixed(0)} ms wall (decoder reports ${reportedLoadMs.toFixed(0)} ms)`);
    const one = await decodeWithSlots(compared, pieces, 1, 1);
    ctx.log(`${label}, 1 slot: ${one.run.audioSeconds.toFixed(1)} s of audio in ${one.run.wallSeconds.toFixed(1)} s, ${one.run.cpuSeconds.toFixed(1)} CPU s, peak RSS ${(one.run.peakRssBytes / 2 ** 20).toFixed(0)} MiB`);
    const auto = await decodeWithSlots(compared, pieces, autoSlots, resolveWhisperThreads("auto", autoSlots, cores));
    ctx.log(`${label}, ${autoSlots} slots: ${auto.run.wallSeconds.toFixed(1)} s wall, ${auto.run.cpuSeconds.toFixed(1)} CPU s`);
    const wer: EngineFigures["wer"] = {};
    for (const set of ["flite", "recorded"] as const) {
      const scored = score(one.texts, pieces, set);
      if (scored) {
        wer[set] = scored;
        ctx.log(`${label}: WER on ${set} speech ${scored.wer.toFixed(3)} (${scored.errors} of ${scored.refWords} words)`);
      }
    }
    figures[key] = { loadMs, reportedLoadMs, oneSlot: one.run, autoSlots: auto.run, wer };
  }

  const spawnRuns = await persistentVersusSpawn(ctx, long, short, options.repeats);

  // Each metric twice: tiny.en (the default) against PocketSphinx, and base against tiny.en.
  const pairs = [
    ["tiny.en", "pocketsphinx"],
    ["base", "tiny.en"],
  ] as const;
  const labelOf = (key: ComparedKey): string => COMPARED.find((c) => c.key === key)!.label;
  const vs = (what: string, unit: string, pick: (f: EngineFigures) => number): Row[] =>
    pairs.map(([subject, baseline]) => ({
      what: `${what}, ${labelOf(subject)} vs ${labelOf(baseline)}`,
      baseline: { label: labelOf(baseline), value: pick(figures[baseline]), unit },
      subject: { label: labelOf(subject), value: pick(figures[subject]), unit },
      ratio: ratio(pick(figures[subject]), pick(figures[baseline])),
    }));
  const rows: Row[] = [];
  for (const [set, what] of [
    ["flite", `word error rate, flite speech (${options.shortClips} short texts${options.longText ? " and the long one cut into 30 s segments" : ""})`],
    ["recorded", `word error rate, recorded speech (${recorded.length} LibriVox clips)`],
  ] as const) {
    for (const [subject, baseline] of pairs) {
      const ws = figures[subject].wer[set];
      const bs = figures[baseline].wer[set];
      if (!ws || !bs) continue;
      rows.push({
        what: `${what}, ${ws.refWords} words, ${labelOf(subject)} vs ${labelOf(baseline)}`,
        baseline: { label: labelOf(baseline), value: bs.wer, unit: "ratio" },
        subject: { label: labelOf(subject), value: ws.wer, unit: "ratio" },
        delta: ws.wer - bs.wer,
      });
    }
  }
  if (recorded.length === 0) {
    rows.push({
      what: `word error rate, recorded speech: not measured, ${LIBRIVOX} absent (Debian package pocketsphinx-testdata)`,
      subject: { label: "recorded speech", value: Number.NaN, unit: "ratio" },
    });
  }
  rows.push(
    ...vs("decoder CPU seconds per audio second (one slot, one thread)", "s/s", (f) => f.oneSlot.cpuSeconds / f.oneSlot.audioSeconds),
    ...vs("wall real-time factor, one slot (one decoder, one thread)", "x", (f) => f.oneSlot.wallSeconds / f.oneSlot.audioSeconds),
    ...vs(`wall real-time factor, ${autoSlots} slots (the default on ${cores} cores; wall time over all the audio)`, "x", (f) => f.autoSlots.wallSeconds / f.autoSlots.audioSeconds),
    ...vs("model load, median wall time of a decoder start", "ms", (f) => f.loadMs),
    ...vs("peak RSS per decoder (VmHWM, largest decoder of both runs)", "B", (f) => Math.max(f.oneSlot.peakRssBytes, f.autoSlots.peakRssBytes)),
  );
  for (const compared of COMPARED) {
    const peak = Math.max(figures[compared.key].oneSlot.peakRssBytes, figures[compared.key].autoSlots.peakRssBytes);
    const estimate = memoryEstimate(compared);
    rows.push({
      what: `${compared.label}: peak RSS per decoder vs the estimate the ASR memory check admits for a new decoder`,
      baseline: { label: "estimate", value: estimate, unit: "B" },
      subject: { label: "measured", value: peak, unit: "B" },
      ratio: ratio(peak, estimate),
    });
  }
  for (const [name, r] of Object.entries(spawnRuns)) {
    rows.push({
      what: `PocketSphinx real-time factor on ${name}, persistent decoder vs a process per segment`,
      baseline: { label: "process per segment", value: r.spawn / r.audio, unit: "x" },
      subject: { label: "persistent", value: r.persistent / r.audio, unit: "x" },
      ratio: ratio(r.persistent, r.spawn),
    });
  }

  const fliteSeconds = pieces.filter((x) => x.set === "flite").reduce((sum, x) => sum + x.seconds, 0);
  const recordedSeconds = pieces.filter((x) => x.set === "recorded").reduce((sum, x) => sum + x.seconds, 0);
  const notes = [
    `Audio, the same for every engine: ${fliteSeconds.toFixed(1)} s of flite speech (voice slt) of testkit's texts${options.longText ? `, LONG_TEXT cut into ${longAll.length} segments by segmentMedia` : ""}; ${recorded.length > 0 ? `${recordedSeconds.toFixed(1)} s of recorded speech, ${recorded.length} LibriVox readings from ${LIBRIVOX} with the package's transcripts` : "no recorded speech (pocketsphinx-testdata not installed)"}. Word error rate pools errors over the words of a set; the long text's segments are joined before scoring.`,
    `Each engine decodes every piece once with one slot (one started decoder; whisper with one CTranslate2 thread, i.e. the engine alone on one core) and once with ${autoSlots} slots (${autoSlots} started decoders pulling from one queue, whisper with ${resolveWhisperThreads("auto", autoSlots, cores)} thread(s) each as LINGOSTREAM_WHISPER_THREADS=auto gives). Real-time factor = wall time / audio seconds (lower is faster); CPU seconds = user + system time of the decoder processes from /proc/<pid>/stat over the decoding. Decoders are started (model loaded) before timing; their load is timed separately on ${options.loads} fresh decoders (spawn + imports + model).`,
    `Peak RSS is the decoder process's VmHWM. The estimates the ASR processor's memory check admits for a decoder it has to start: ${COMPARED.map((c) => `${c.label} ${(memoryEstimate(c) / 2 ** 20).toFixed(0)} MiB`).join(", ")}.`,
    `Persistent vs a process per segment (PocketSphinx only): the first ${long.length} 30 s segments of LONG_TEXT and the short clips; the persistent engine is started before timing, the per-segment engine pays spawn + model load on every call. Engines alternate clip by clip; each clip is decoded ${options.repeats} time(s) per engine and the fastest counts (other processes' load only ever slows a decode down).`,
  ];
  return { rows, notes, details: { options, autoSlots, cores, loads: loadRuns, figures, spawnRuns } };
}

async function timeLoads(compared: Compared, count: number): Promise<{ reportedMs: number; wallMs: number }[]> {
  const loads: { reportedMs: number; wallMs: number }[] = [];
  for (let i = 0; i < count; i++) {
    const engine = newDecoder(compared, 1);
    try {
      const t = performance.now();
      const reportedMs = await engine.start();
      loads.push({ reportedMs, wallMs: performance.now() - t });
    } finally {
      await engine.close();
    }
  }
  return loads;
}

function newDecoder(compared: Compared, threads: number): Decoder {
  return createEngine(compared.engine, { whisper: { threads, ...(compared.model ? { model: compared.model } : {}) } }) as unknown as Decoder;
}

/** What the ASR processor's memory check admits for a new decoder of this engine and model. */
function memoryEstimate(compared: Compared): number {
  return compared.model ? whisperDecoderMemoryBytes(compared.model) : DECODER_MEMORY_BYTES[compared.engine];
}

/** Every piece decoded by `slots` started decoders pulling from one queue. */
async function decodeWithSlots(compared: Compared, pieces: readonly Piece[], slots: number, threads: number): Promise<{ run: SlotRun; texts: string[] }> {
  const decoders = Array.from({ length: slots }, () => newDecoder(compared, threads));
  const texts: string[] = new Array(pieces.length).fill("");
  try {
    await Promise.all(decoders.map((d) => d.start()));
    const pids = decoders.map((d) => d.pid).filter((pid): pid is number => pid !== undefined);
    const cpu = async () => (await Promise.all(pids.map(readProcCpuSeconds))).reduce<number>((sum, s) => sum + (s ?? 0), 0);
    const cpuBefore = await cpu();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      decoders.map(async (decoder) => {
        while (next < pieces.length) {
          const i = next++;
          texts[i] = (await decoder.transcribe({ pcm: pieces[i]!.pcm, sampleRate: 16_000 }, { language: "en" })).text;
        }
      }),
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const cpuSeconds = (await cpu()) - cpuBefore;
    const peakRssBytes = Math.max(0, ...(await Promise.all(pids.map(readProcMemory))).map((m) => m?.hwmBytes ?? 0));
    const audioSeconds = pieces.reduce((sum, x) => sum + x.seconds, 0);
    return { run: { slots, audioSeconds, wallSeconds, cpuSeconds, peakRssBytes }, texts };
  } finally {
    await Promise.allSettled(decoders.map((d) => d.close()));
  }
}

/** Pooled word error rate of one set: hypotheses joined per reference, in order. */
function score(texts: readonly string[], pieces: readonly Piece[], set: Piece["set"]): Pooled | undefined {
  const byReference = new Map<string, { part: number; text: string }[]>();
  pieces.forEach((piece, i) => {
    if (piece.set !== set) return;
    const parts = byReference.get(piece.reference) ?? [];
    parts.push({ part: piece.part, text: texts[i] ?? "" });
    byReference.set(piece.reference, parts);
  });
  if (byReference.size === 0) return undefined;
  let refWords = 0;
  let errors = 0;
  for (const [reference, parts] of byReference) {
    const hypothesis = parts
      .sort((a, b) => a.part - b.part)
      .map((x) => x.text)
      .join(" ");
    const w = wordErrorRate(reference, hypothesis);
    refWords += w.refWords;
    errors += w.substitutions + w.deletions + w.insertions;
  }
  return { wer: errors / refWords, refWords, errors };
}

/** The LibriVox clips and their references ("<s> words </s> (id)" per line). */
async function recordedSpeech(): Promise<{ id: string; text: string; path: string }[]> {
  return (await readFile(join(LIBRIVOX, "transcription"), "utf8"))
    .split("\n")
    .map((line) => /^<s>(.*)<\/s>\s*\(([^)]+)\)/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ id: m[2]!, text: m[1]!.trim(), path: join(LIBRIVOX, `${m[2]}.wav`) }))
    .filter((clip) => existsSync(clip.path));
}

/** PocketSphinx's persistent decoder against a fresh decoder process per segment, on 30 s segments and short clips. */
async function persistentVersusSpawn(ctx: BenchContext, long: readonly Clip[], short: readonly Clip[], repeats: number) {
  const persistent = newDecoder(COMPARED.find((c) => c.key === "pocketsphinx")!, 1);
  await persistent.start();
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
        for (let i = 0; i < repeats; i++) {
          pt.push(await timed(persistent, clip));
          st.push(await timed(spawn, clip));
        }
        p += Math.min(...pt);
        s += Math.min(...st);
      }
      runs[name] = { persistent: p, spawn: s, audio };
      ctx.log(`PocketSphinx ${name} (${audio.toFixed(1)} s of audio): persistent RTF ${(p / audio).toFixed(3)}, process per segment RTF ${(s / audio).toFixed(3)}`);
    }
  } finally {
    await persistent.close();
    await spawn.close();
  }
  return runs;
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
