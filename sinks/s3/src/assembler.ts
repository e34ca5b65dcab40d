// Builds a job's final transcripts (JSON, SRT, VTT) from its per-segment objects,
// read one at a time in index order; only this one job's words are held at once.

import { createHash } from "node:crypto";
import { CueBuilder, type CueOptions } from "./cues.ts";
import { readSegmentResult, type WordTiming } from "./events.ts";
import { toJson } from "./format.ts";
import { type JobRef, type TranscriptKeys, transcriptKeys } from "./keys.ts";
import { srtCue } from "./srt.ts";
import type { SinkStorage } from "./storage.ts";
import { VTT_HEADER, vttCue } from "./vtt.ts";

/** What jobs/<tenant>/<jobId>/job.json holds: written on JobSegmented. */
export interface JobMeta extends JobRef {
  segmentCount: number;
  durationSeconds: number;
  /** From JobRequested, when it was seen first. */
  sourceName?: string;
  source?: string;
  language?: string;
  engine?: string;
}

export interface SegmentSlot {
  index: number;
  key: string;
}

export interface AssembledTranscript {
  keys: TranscriptKeys;
  json: string;
  srt: string;
  vtt: string;
  /** Of the three files together: equal hashes mean an unchanged transcript. */
  sha256: string;
  segmentCount: number;
  transcribedCount: number;
  failedCount: number;
  /** Segment objects that could not be read as results; they count as failed. */
  unreadable: number[];
}

export interface AssembleOptions {
  /** Largest per-segment object read back, bytes. */
  maxSegmentBytes: number;
  cueOptions?: Partial<CueOptions>;
  onUnreadable?(slot: SegmentSlot, err: unknown): void;
}

export async function assembleTranscript(
  storage: SinkStorage,
  meta: JobMeta,
  segments: readonly SegmentSlot[],
  failedIndices: readonly number[],
  options: AssembleOptions,
): Promise<AssembledTranscript> {
  const ordered = [...segments].sort((a, b) => a.index - b.index);
  const failed = new Set(failedIndices);
  const cues = new CueBuilder(options.cueOptions);
  const words: string[] = [];
  const segmentEntries: string[] = [];
  const texts: string[] = [];
  let srt = "";
  let vtt = VTT_HEADER;
  let cueNumber = 0;
  let language: string | undefined;
  const unreadable: number[] = [];
  const emit = (closed: ReturnType<CueBuilder["flush"]>) => {
    for (const cue of closed) {
      srt += srtCue(++cueNumber, cue);
      vtt += vttCue(cue);
    }
  };

  for (const slot of ordered) {
    let result: ReturnType<typeof readSegmentResult>;
    try {
      const body = await storage.get(slot.key, options.maxSegmentBytes);
      if (body === undefined) throw new Error("object disappeared");
      result = readSegmentResult(JSON.parse(body.toString("utf8")));
      if (result.index !== slot.index || result.tenant !== meta.tenant || result.jobId !== meta.jobId) {
        throw new Error(`object holds ${result.tenant}/${result.jobId} #${result.index}`);
      }
    } catch (err) {
      // A storage outage must fail the assembly (it is retried); only a bad object is tolerated.
      if (isStorageFailure(err)) throw err;
      options.onUnreadable?.(slot, err);
      unreadable.push(slot.index);
      failed.add(slot.index);
      continue;
    }
    if (language === undefined && result.language !== "" && result.language !== "auto") language = result.language;
    for (const word of result.words) {
      words.push(wordJson(word));
      emit(cues.add(word));
    }
    segmentEntries.push(toJson({ index: result.index, start: result.startSeconds, end: result.endSeconds, text: result.text }));
    const text = result.text.trim();
    if (text !== "") texts.push(text);
  }
  emit(cues.flush());

  const keys = transcriptKeys(meta);
  const failedSegments = [...failed].sort((a, b) => a - b);
  const transcribedCount = ordered.length - unreadable.length;
  const head = toJson({
    jobId: meta.jobId,
    tenant: meta.tenant,
    // Only what the segments and JobSegmented say: JobRequested may be consumed
    // after an assembly, and must not change the hash that suppresses re-announcements.
    language: language ?? "und",
    durationSeconds: meta.durationSeconds,
    segmentCount: meta.segmentCount,
    transcribedCount,
    failedCount: failedSegments.length,
    text: texts.join(" "),
  });
  const json = `${head.slice(0, -1)},"words":[${words.join(",")}],"segments":[${segmentEntries.join(",")}],"failedSegments":${toJson(failedSegments)}}\n`;
  const sha256 = createHash("sha256").update(json).update("\0").update(srt).update("\0").update(vtt).digest("hex");
  return { keys, json, srt, vtt, sha256, segmentCount: meta.segmentCount, transcribedCount, failedCount: failedSegments.length, unreadable };
}

function wordJson(w: WordTiming): string {
  return toJson({ text: w.text, start: w.start, end: w.end, confidence: w.confidence });
}

function isStorageFailure(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && code.startsWith("storage-") && code !== "storage-not-found";
}
