// Inputs of the scaling benchmark: real speech of a given length (LibriVox
// readings repeated, or flite where pocketsphinx-testdata is missing), cut once
// by the segmenter, its segments stored as the segmenter stores them; and
// AudioSegment events spread round-robin over the partitions, so every
// partition holds the same work and the group's speed-up is not limited by an
// uneven hash.

import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeWav, type ServiceContext } from "@lingostream/runtime";
import { segmentMedia } from "@lingostream/segmenter";
import { hasRecordedSpeech, LONG_TEXT, loadWavAudio, recordedSpeech } from "@lingostream/testkit";
import { SAMPLE_RATE, syntheticPcm } from "./fixtures/audio.ts";
import { type AudioObject, audioSegmentEvent, produceAll, segmentAudioPrefix } from "./fixtures/events.ts";
import { renderSpeech } from "./fixtures/media.ts";

/** Silence between clips, s: where the segmenter may cut. */
const CLIP_GAP_SECONDS = 0.5;

export interface Speech {
  path: string;
  seconds: number;
  /** What it is made of, for the notes. */
  source: string;
}

/** Clips of real speech, one after another with a short silence between, repeated until at least `minSeconds`; cached as a WAV. */
export async function ensureSpeech(cacheDir: string, minSeconds: number): Promise<Speech> {
  const recorded = hasRecordedSpeech();
  const path = join(cacheDir, `scaling-${recorded ? "librivox" : "flite"}-${Math.round(minSeconds)}s.wav`);
  const meta = `${path}.json`;
  const cached = await access(meta).then(
    async () => JSON.parse(await readFile(meta, "utf8")) as Speech,
    () => undefined,
  );
  if (cached) return cached;
  const clips = recorded
    ? await Promise.all(recordedSpeech().map(async (c) => (await loadWavAudio(c.path)).pcm))
    : [(await loadWavAudio((await renderSpeech(cacheDir, "scaling-long", LONG_TEXT.text)).path)).pcm];
  const gap = Buffer.alloc(Math.round(CLIP_GAP_SECONDS * SAMPLE_RATE) * 2);
  const round = Buffer.concat(clips.flatMap((pcm) => [pcm, gap]));
  const rounds = Math.ceil((minSeconds * SAMPLE_RATE * 2) / round.length);
  await writeFile(path, encodeWav(Buffer.concat(Array.from({ length: rounds }, () => round)), SAMPLE_RATE, 1));
  const speech: Speech = {
    path,
    seconds: (rounds * round.length) / 2 / SAMPLE_RATE,
    source: recorded
      ? `the ${clips.length} LibriVox readings of Debian's pocketsphinx-testdata (${(round.length / 2 / SAMPLE_RATE).toFixed(1)} s with ${CLIP_GAP_SECONDS} s between them) repeated ${rounds} times`
      : `flite speech of testkit's LONG_TEXT (pocketsphinx-testdata is not installed) repeated ${rounds} times`,
  };
  await writeFile(meta, JSON.stringify(speech));
  return speech;
}

export interface StoredSegment {
  audio: AudioObject;
  seconds: number;
}

/** Cuts the speech with the segmenter's defaults and stores each segment's WAV where a job's segment audio lives. */
export async function storeSegments(ctx: ServiceContext, jobId: string, speech: Speech, signal: AbortSignal): Promise<StoredSegment[]> {
  const out: StoredSegment[] = [];
  for await (const s of segmentMedia(speech.path, { signal })) {
    const audio = await ctx.store.put(`${segmentAudioPrefix(jobId)}segment-${s.index}.wav`, encodeWav(s.pcm, s.sampleRate, 1), "audio/wav");
    out.push({ audio, seconds: s.endSeconds - s.startSeconds });
  }
  return out;
}

/** Synthetic speech-like WAVs of the given lengths, stored as segment audio of the job. */
export async function storeSyntheticAudio(ctx: ServiceContext, jobId: string, lengths: readonly number[]): Promise<AudioObject[]> {
  const out: AudioObject[] = [];
  for (const [i, seconds] of lengths.entries()) {
    out.push(await ctx.store.put(`${segmentAudioPrefix(jobId)}synthetic-${i}.wav`, encodeWav(syntheticPcm(seconds, i + 1), SAMPLE_RATE, 1), "audio/wav"));
  }
  return out;
}

/** One AudioSegment per stored audio object in turn, `count` in all, segment i on partition i mod `partitions`. */
export async function produceSegmentsEvenly(
  ctx: ServiceContext,
  jobId: string,
  audio: readonly AudioObject[],
  count: number,
  engine: string,
  partitions: number,
): Promise<void> {
  await produceAll(
    ctx,
    "segments",
    count,
    (i) => audioSegmentEvent(ctx, jobId, i, audio[i % audio.length]!, engine),
    (i) => `${jobId}-${i}`,
    (i) => i % partitions,
  );
}
