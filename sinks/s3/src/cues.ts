// Groups word timings into subtitle cues that read comfortably: a few seconds
// each, short lines, at most two of them. Pure and incremental, so assembly can
// feed words segment by segment without holding them all.

import type { WordTiming } from "./events.ts";

export interface Cue {
  /** Seconds from the start of the media. */
  start: number;
  end: number;
  /** One to maxLines lines of text, already wrapped. */
  lines: string[];
}

export interface CueOptions {
  /** Longest a cue stays on screen, seconds. Default 7. */
  maxDurationSeconds: number;
  /** Line length that fits common players and broadcast guidelines, characters. Default 42. */
  maxLineChars: number;
  /** Lines per cue. Default 2. */
  maxLines: number;
  /** A pause longer than this starts a new cue, so text is not shown over silence, seconds. Default 1.5. */
  maxGapSeconds: number;
}

export const defaultCueOptions: CueOptions = { maxDurationSeconds: 7, maxLineChars: 42, maxLines: 2, maxGapSeconds: 1.5 };

const SENTENCE_END = /[.!?…。！？]["')\]]*$/;

/** Whitespace inside a word would break cue framing (a blank line ends an SRT cue). */
export function normalizeWordText(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export class CueBuilder {
  private readonly options: CueOptions;
  private lines: string[] = [];
  private start = 0;
  private end = 0;
  /** End of the last emitted cue: cues never overlap, even when segments' words do. */
  private floor = 0;

  constructor(options: Partial<CueOptions> = {}) {
    this.options = { ...defaultCueOptions, ...options };
  }

  /** Adds the next word in spoken order; returns the cues this closed (usually none or one). */
  add(word: WordTiming): Cue[] {
    const text = normalizeWordText(word.text);
    if (text === "") return [];
    const closed: Cue[] = [];
    if (this.lines.length > 0 && !this.fits(text, word)) closed.push(...this.flush());
    const start = Math.max(word.start, this.floor);
    const end = Math.max(word.end, start);
    if (this.lines.length === 0) {
      this.start = start;
      this.end = end;
      this.lines = [text];
    } else {
      const last = this.lines.length - 1;
      const line = this.lines[last] ?? "";
      if (line.length + 1 + text.length <= this.options.maxLineChars) this.lines[last] = `${line} ${text}`;
      else this.lines.push(text);
      this.end = Math.max(this.end, end);
    }
    // A sentence that ends past the middle of a cue closes it, so cues follow sentences.
    if (SENTENCE_END.test(text) && this.textLength() >= this.options.maxLineChars / 2) closed.push(...this.flush());
    return closed;
  }

  /** Closes the open cue, if any. */
  flush(): Cue[] {
    if (this.lines.length === 0) return [];
    const cue: Cue = { start: this.start, end: this.end, lines: this.lines };
    this.floor = cue.end;
    this.lines = [];
    return [cue];
  }

  private textLength(): number {
    return this.lines.reduce((n, l) => n + l.length, 0);
  }

  private fits(text: string, word: WordTiming): boolean {
    const o = this.options;
    if (word.start - this.end > o.maxGapSeconds) return false;
    if (Math.max(word.end, this.end) - this.start > o.maxDurationSeconds) return false;
    const line = this.lines[this.lines.length - 1] ?? "";
    if (line.length + 1 + text.length <= o.maxLineChars) return true;
    return this.lines.length < o.maxLines;
  }
}

/** All cues for a list of words, for callers that already hold them. */
export function groupWordsIntoCues(words: Iterable<WordTiming>, options: Partial<CueOptions> = {}): Cue[] {
  const builder = new CueBuilder(options);
  const cues: Cue[] = [];
  for (const word of words) cues.push(...builder.add(word));
  cues.push(...builder.flush());
  return cues;
}
