import { describe, expect, it } from "vitest";
import type { EngineWord } from "./engines/engine.ts";
import { type SanitizedWord, sanitizeWords, shiftWords } from "./sanitize.ts";

function times(words: SanitizedWord[]): Array<[number, number]> {
  return words.map((w) => [w.start, w.end]);
}

function expectTimeline(words: SanitizedWord[]): void {
  let prevEnd = 0;
  for (const w of words) {
    expect(w.start).toBeGreaterThanOrEqual(prevEnd);
    expect(w.end).toBeGreaterThanOrEqual(w.start);
    prevEnd = w.end;
  }
}

describe("sanitizeWords: text", () => {
  it("keeps clean words untouched", () => {
    const words: EngineWord[] = [
      { text: "hello", start: 0.1, end: 0.5, confidence: 0.9 },
      { text: "world", start: 0.5, end: 1, confidence: 0.8 },
    ];
    expect(sanitizeWords(words)).toEqual({ words, droppedLongWords: 0, droppedEmpty: 0 });
  });

  it("strips guillemets, zero-width characters and surrounding whitespace", () => {
    const result = sanitizeWords([
      { text: " «Bonjour", start: 0, end: 1 },
      { text: "monde»\n", start: 1, end: 2 },
      { text: "\u200Bzero\uFEFF", start: 2, end: 3 },
      { text: "New \t York", start: 3, end: 4 },
    ]);
    expect(result.words.map((w) => w.text)).toEqual(["Bonjour", "monde", "zero", "New York"]);
  });

  it("drops words that end up empty and counts them", () => {
    const result = sanitizeWords([
      { text: "«»", start: 0, end: 1 },
      { text: "   ", start: 1, end: 2 },
      { text: "", start: 2, end: 3 },
      { text: "ok", start: 3, end: 4 },
    ]);
    expect(result.words.map((w) => w.text)).toEqual(["ok"]);
    expect(result.droppedEmpty).toBe(3);
    expect(result.droppedLongWords).toBe(0);
  });

  it("drops words over 30 characters, counting code points after cleaning", () => {
    const thirty = "a".repeat(30);
    const emoji = "😀".repeat(30); // 60 UTF-16 units, 30 code points
    const result = sanitizeWords([
      { text: thirty },
      { text: `${thirty}b` },
      { text: `«${thirty}»` },
      { text: emoji },
      { text: "x".repeat(200) },
    ]);
    expect(result.words.map((w) => w.text)).toEqual([thirty, thirty, emoji]);
    expect(result.droppedLongWords).toBe(2);
  });

  it("honours a custom maximum length", () => {
    const result = sanitizeWords([{ text: "short" }, { text: "longer" }], { maxWordLength: 5 });
    expect(result.words.map((w) => w.text)).toEqual(["short"]);
    expect(result.droppedLongWords).toBe(1);
  });

  it("keeps confidence only when it is a number", () => {
    const result = sanitizeWords([
      { text: "a", start: 0, end: 1, confidence: 0.5 },
      { text: "b", start: 1, end: 2, confidence: Number.NaN },
      { text: "c", start: 2, end: 3 },
    ]);
    expect(result.words.map((w) => w.confidence)).toEqual([0.5, undefined, undefined]);
    expect("confidence" in result.words[2]!).toBe(false);
  });

  it("handles no words", () => {
    expect(sanitizeWords([])).toEqual({ words: [], droppedLongWords: 0, droppedEmpty: 0 });
  });
});

describe("sanitizeWords: times", () => {
  it("fills a missing start from the previous end and a missing end from the next start", () => {
    const result = sanitizeWords([
      { text: "a", start: 0.2, end: 0.6 },
      { text: "b", end: 1.0 },
      { text: "c", start: 1.3 },
      { text: "d", start: 1.8, end: 2.0 },
    ]);
    expect(times(result.words)).toEqual([
      [0.2, 0.6],
      [0.6, 1.0],
      [1.3, 1.8],
      [1.8, 2.0],
    ]);
  });

  it("bridges runs of untimed words to the next known time", () => {
    const result = sanitizeWords([{ text: "a", start: 0, end: 1 }, { text: "b" }, { text: "c" }, { text: "d", start: 3, end: 4 }]);
    expect(times(result.words)).toEqual([
      [0, 1],
      [1, 3],
      [3, 3],
      [3, 4],
    ]);
  });

  it("starts an untimed first word at 0 and ends an untimed last word at its start", () => {
    const result = sanitizeWords([{ text: "a", end: 0.5 }, { text: "b", start: 0.7 }]);
    expect(times(result.words)).toEqual([
      [0, 0.5],
      [0.7, 0.7],
    ]);
  });

  it("lets an untimed last word run to the duration when it is known", () => {
    const result = sanitizeWords([{ text: "a", start: 0, end: 0.5 }, { text: "b", start: 0.7 }], { durationSeconds: 2 });
    expect(times(result.words)).toEqual([
      [0, 0.5],
      [0.7, 2],
    ]);
  });

  it("gives words of a text-only result zero-length times at 0, or spans the duration", () => {
    expect(times(sanitizeWords([{ text: "a" }, { text: "b" }]).words)).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(times(sanitizeWords([{ text: "a" }, { text: "b" }], { durationSeconds: 3 }).words)).toEqual([
      [0, 3],
      [3, 3],
    ]);
  });

  it("clamps an end that precedes its start up to the start", () => {
    const result = sanitizeWords([{ text: "a", start: 1, end: 0.5 }]);
    expect(times(result.words)).toEqual([[1, 1]]);
  });

  it("removes overlaps by trimming the earlier end to the next start", () => {
    const result = sanitizeWords([
      { text: "a", start: 0, end: 1.2 },
      { text: "b", start: 1.0, end: 1.5 },
    ]);
    expect(times(result.words)).toEqual([
      [0, 1.0],
      [1.0, 1.5],
    ]);
  });

  it("does not let one runaway end push the rest of the words later", () => {
    const result = sanitizeWords([
      { text: "a", start: 0, end: 50 },
      { text: "b", start: 1, end: 2 },
      { text: "c", start: 2, end: 3 },
    ]);
    expect(times(result.words)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it("moves a start that goes backwards up to the previous end", () => {
    const result = sanitizeWords([
      { text: "a", start: 2, end: 3 },
      { text: "b", start: 1, end: 4 },
      { text: "c", start: 0.5, end: 0.8 },
    ]);
    expect(times(result.words)).toEqual([
      [2, 3],
      [3, 4],
      [4, 4],
    ]);
    expectTimeline(result.words);
  });

  it("treats NaN and infinities as missing and clamps negatives to 0", () => {
    const result = sanitizeWords([
      { text: "a", start: -0.3, end: Number.NaN },
      { text: "b", start: Number.POSITIVE_INFINITY, end: 1 },
      { text: "c", start: 1.5, end: 2 },
    ]);
    expect(times(result.words)).toEqual([
      [0, 1],
      [1, 1],
      [1.5, 2],
    ]);
  });

  it("clamps times into the duration", () => {
    const result = sanitizeWords([
      { text: "a", start: 0, end: 1 },
      { text: "b", start: 4, end: 7 },
    ], { durationSeconds: 5 });
    expect(times(result.words)).toEqual([
      [0, 1],
      [4, 5],
    ]);
  });

  it("does not count dropped words as neighbours", () => {
    const result = sanitizeWords([
      { text: "a", start: 0, end: 1 },
      { text: "«»", start: 5, end: 6 },
      { text: "b" },
      { text: "c", start: 2, end: 3 },
    ]);
    expect(times(result.words)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it("always yields a non-overlapping, non-decreasing timeline", () => {
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 200; round++) {
      const words: EngineWord[] = Array.from({ length: 12 }, (_, i) => {
        const w: EngineWord = { text: `w${i}` };
        if (rand() < 0.7) w.start = rand() * 10 - 1;
        if (rand() < 0.7) w.end = rand() * 10 - 1;
        return w;
      });
      const result = sanitizeWords(words, rand() < 0.5 ? { durationSeconds: 8 } : {});
      expect(result.words).toHaveLength(12);
      expectTimeline(result.words);
      for (const w of result.words) expect(Number.isFinite(w.start) && Number.isFinite(w.end)).toBe(true);
    }
  });

  it("does not mutate its input", () => {
    const words: EngineWord[] = [{ text: " a ", end: 1 }];
    const copy = structuredClone(words);
    sanitizeWords(words);
    expect(words).toEqual(copy);
  });
});

describe("shiftWords", () => {
  it("adds the offset to start and end and keeps other fields", () => {
    const shifted = shiftWords([{ text: "a", start: 0.1, end: 0.2, confidence: 0.5 }], 12.5);
    expect(shifted).toEqual([{ text: "a", start: 12.6, end: 12.7, confidence: 0.5 }]);
  });

  it("rounds away floating-point noise", () => {
    const [word] = shiftWords([{ text: "a", start: 0.1, end: 0.2 }], 0.2);
    expect(word).toEqual({ text: "a", start: 0.3, end: 0.4 });
  });

  it("leaves missing times missing and does not mutate input", () => {
    const input: EngineWord[] = [{ text: "a" }, { text: "b", start: 1 }];
    const shifted = shiftWords(input, 10);
    expect(shifted).toEqual([{ text: "a" }, { text: "b", start: 11 }]);
    expect(input[1]!.start).toBe(1);
    expect("start" in shifted[0]!).toBe(false);
  });

  it("supports negative offsets and an offset of zero", () => {
    expect(shiftWords([{ text: "a", start: 5, end: 6 }], -5)).toEqual([{ text: "a", start: 0, end: 1 }]);
    expect(shiftWords([{ text: "a", start: 5, end: 6 }], 0)).toEqual([{ text: "a", start: 5, end: 6 }]);
  });
});
