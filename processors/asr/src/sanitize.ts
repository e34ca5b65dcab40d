// Engine output is cleaned once, here, before it becomes an event: junk tokens
// are dropped and every kept word gets a start and end on a non-overlapping,
// non-decreasing timeline, because downstream (captions, search) assumes both.

import type { EngineWord } from "./engines/engine.ts";

export interface SanitizeOptions {
  /** Longer words (in code points, after cleaning) are hallucinations or glued tokens. Default 30. */
  maxWordLength?: number;
  /** Audio length in seconds; when given, times are clamped into it and a trailing word can end there. */
  durationSeconds?: number;
}

export interface SanitizedWord {
  text: string;
  start: number;
  end: number;
  confidence?: number;
}

export interface SanitizeResult {
  words: SanitizedWord[];
  droppedLongWords: number;
  droppedEmpty: number;
}

export const DEFAULT_MAX_WORD_LENGTH = 30;

// Guillemets leak from French-trained models and some subtitle sources; the
// zero-width characters come with copy-pasted prompts and are invisible junk.
const STRAY = /[«»\u200B-\u200D\u2060\uFEFF]/g;

function cleanText(text: string): string {
  return text.replace(STRAY, "").replace(/\s+/g, " ").trim();
}

function time(value: number | undefined, duration: number | undefined): number | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  const clamped = Math.max(0, value);
  return duration === undefined ? clamped : Math.min(clamped, duration);
}

interface Pending {
  text: string;
  start: number | undefined;
  end: number | undefined;
  confidence: number | undefined;
}

export function sanitizeWords(words: readonly EngineWord[], options: SanitizeOptions = {}): SanitizeResult {
  const maxLength = options.maxWordLength ?? DEFAULT_MAX_WORD_LENGTH;
  const duration =
    options.durationSeconds !== undefined && Number.isFinite(options.durationSeconds)
      ? Math.max(0, options.durationSeconds)
      : undefined;
  let droppedLongWords = 0;
  let droppedEmpty = 0;
  const kept: Pending[] = [];
  for (const word of words) {
    const text = cleanText(word.text);
    if (!text) {
      droppedEmpty++;
      continue;
    }
    if ([...text].length > maxLength) {
      droppedLongWords++;
      continue;
    }
    const confidence = word.confidence !== undefined && Number.isFinite(word.confidence) ? word.confidence : undefined;
    kept.push({ text, start: time(word.start, duration), end: time(word.end, duration), confidence });
  }

  // Earliest known time after each word: where an unknown end may reach.
  const nextKnown: Array<number | undefined> = new Array(kept.length);
  let ahead = duration;
  for (let i = kept.length - 1; i >= 0; i--) {
    nextKnown[i] = ahead;
    const w = kept[i]!;
    ahead = w.start ?? w.end ?? ahead;
  }

  const out: SanitizedWord[] = [];
  let prevEnd = 0;
  for (let i = 0; i < kept.length; i++) {
    const w = kept[i]!;
    // Unknown start: the word begins where the previous one ended (or at 0).
    const start = Math.max(w.start ?? prevEnd, prevEnd);
    let end = w.end ?? nextKnown[i] ?? start;
    // Trust the next word's start over this word's end when they overlap, so a
    // single runaway end cannot push the rest of the segment later.
    const nextStart = kept[i + 1]?.start;
    if (nextStart !== undefined && nextStart >= start && end > nextStart) end = nextStart;
    end = Math.max(end, start);
    const sanitized: SanitizedWord = { text: w.text, start, end };
    if (w.confidence !== undefined) sanitized.confidence = w.confidence;
    out.push(sanitized);
    prevEnd = end;
  }
  return { words: out, droppedLongWords, droppedEmpty };
}

function shift(value: number, offset: number): number {
  // Rounded to the microsecond so 0.1 + 0.2 style noise does not reach events.
  return Math.round((value + offset) * 1e6) / 1e6;
}

/** Moves segment-relative times onto the media timeline; words without times stay without. */
export function shiftWords<W extends { start?: number; end?: number }>(words: readonly W[], offsetSeconds: number): W[] {
  return words.map((word) => {
    const moved = { ...word };
    if (word.start !== undefined) moved.start = shift(word.start, offsetSeconds);
    if (word.end !== undefined) moved.end = shift(word.end, offsetSeconds);
    return moved;
  });
}
