// Child side of memory-flatness: what the original single-process stage did —
// decode the whole file, transcribe every segment in one loop, keep every
// result in a list, combine at the end — with the same engine and audio as the
// pipeline. "streamed-audio" keeps only the results list, to show how much of
// the difference is audio and how much is results.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sanitizeWords, shiftWords } from "@lingostream/asr";
import { groupWordsIntoCues, renderSrt, renderVtt } from "@lingostream/sink-s3";
import { fillSyntheticPcm, SAMPLE_RATE, SEGMENT_PCM_BYTES, SEGMENT_SECONDS, syntheticPcm } from "../fixtures/audio.ts";
import { WordyEngine } from "../fixtures/wordy-engine.ts";

export interface BaselineProbeArgs {
  segments: number;
  mode: "whole-file" | "streamed-audio";
  /** Distinct audio patterns, reused in turn exactly as the pipeline's S3 objects are. */
  audioObjects: number;
  sampleEvery: number;
  outDir: string;
}

export interface BaselineProbeResult {
  seconds: number;
  timeline: [number, number][];
  transcriptBytes: number;
}

export async function runBaselineProbe(args: BaselineProbeArgs): Promise<BaselineProbeResult> {
  const started = performance.now();
  const engine = new WordyEngine();
  const timeline: [number, number][] = [[0, process.memoryUsage.rss()]];
  let whole: Buffer | undefined;
  if (args.mode === "whole-file") {
    whole = Buffer.allocUnsafe(args.segments * SEGMENT_PCM_BYTES);
    for (let i = 0; i < args.segments; i++) fillSyntheticPcm(whole, i * SEGMENT_PCM_BYTES, SEGMENT_SECONDS, (i % args.audioObjects) + 1);
    timeline.push([0, process.memoryUsage.rss()]);
  }
  const results: { index: number; start: number; end: number; text: string; words: ReturnType<typeof sanitizeWords>["words"] }[] = [];
  for (let i = 0; i < args.segments; i++) {
    const pcm = whole ? whole.subarray(i * SEGMENT_PCM_BYTES, (i + 1) * SEGMENT_PCM_BYTES) : syntheticPcm(SEGMENT_SECONDS, (i % args.audioObjects) + 1);
    const result = await engine.transcribe({ pcm, sampleRate: SAMPLE_RATE }, { language: "en" });
    const words = shiftWords(sanitizeWords(result.words).words, i * SEGMENT_SECONDS);
    results.push({ index: i, start: i * SEGMENT_SECONDS, end: (i + 1) * SEGMENT_SECONDS, text: words.map((w) => w.text).join(" "), words });
    if ((i + 1) % args.sampleEvery === 0) timeline.push([i + 1, process.memoryUsage.rss()]);
  }
  // Combine at the end, as the original did: one transcript built from the whole list.
  const words = results.flatMap((r) => r.words.map((w) => ({ text: w.text, start: w.start, end: w.end, confidence: w.confidence ?? 0 })));
  const json = JSON.stringify({ text: results.map((r) => r.text).join(" "), words, segments: results.map(({ words: _, ...s }) => s) });
  const cues = groupWordsIntoCues(words);
  const srt = renderSrt(cues);
  const vtt = renderVtt(cues);
  await writeFile(join(args.outDir, `baseline-${args.mode}-${args.segments}.json`), json);
  await writeFile(join(args.outDir, `baseline-${args.mode}-${args.segments}.srt`), srt);
  await writeFile(join(args.outDir, `baseline-${args.mode}-${args.segments}.vtt`), vtt);
  timeline.push([args.segments, process.memoryUsage.rss()]);
  await engine.close();
  return { seconds: (performance.now() - started) / 1000, timeline, transcriptBytes: json.length + srt.length + vtt.length };
}
