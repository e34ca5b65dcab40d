import { describe, expect, it } from "vitest";
import { normalizeWords, wordErrorRate } from "./wer.ts";

describe("normalizeWords", () => {
  it("lowercases and strips punctuation", () => {
    expect(normalizeWords('Hello, World! "Quoted" (text) -- done.')).toEqual(["hello", "world", "quoted", "text", "done"]);
  });

  it("keeps inner apostrophes, including typographic ones", () => {
    expect(normalizeWords("Don't stop, it’s 'fine'")).toEqual(["don't", "stop", "it's", "fine"]);
  });

  it("keeps numbers as written", () => {
    expect(normalizeWords("It costs 3.50 dollars, 1,000 times in 2024.")).toEqual([
      "it",
      "costs",
      "3.50",
      "dollars",
      "1,000",
      "times",
      "in",
      "2024",
    ]);
  });

  it("splits hyphenated words and handles non-Latin letters", () => {
    expect(normalizeWords("well-known Ünïcödé Straße")).toEqual(["well", "known", "ünïcödé", "straße"]);
  });

  it("returns nothing for blank or punctuation-only text", () => {
    expect(normalizeWords("")).toEqual([]);
    expect(normalizeWords(" ... !? ")).toEqual([]);
  });
});

describe("wordErrorRate", () => {
  it("is zero for identical text after normalization", () => {
    expect(wordErrorRate("Hello, world.", "hello world")).toEqual({
      wer: 0,
      substitutions: 0,
      deletions: 0,
      insertions: 0,
      refWords: 2,
      hypWords: 2,
    });
  });

  it("counts a substitution", () => {
    expect(wordErrorRate("the cat sat", "the bat sat")).toMatchObject({ wer: 1 / 3, substitutions: 1, deletions: 0, insertions: 0 });
  });

  it("counts deletions and insertions", () => {
    expect(wordErrorRate("a b c d", "a c d")).toMatchObject({ deletions: 1, substitutions: 0, insertions: 0, wer: 0.25 });
    expect(wordErrorRate("a b", "a x b y")).toMatchObject({ insertions: 2, substitutions: 0, deletions: 0, wer: 1 });
  });

  it("can exceed 1 when the hypothesis is much longer", () => {
    expect(wordErrorRate("one", "one two three four").wer).toBe(3);
  });

  it("handles empty sides", () => {
    expect(wordErrorRate("", "")).toMatchObject({ wer: 0, refWords: 0 });
    expect(wordErrorRate("", "noise")).toMatchObject({ wer: 1, insertions: 1 });
    expect(wordErrorRate("some words", "")).toMatchObject({ wer: 1, deletions: 2 });
  });

  it("accepts word arrays", () => {
    expect(wordErrorRate(["Hello,", "world"], ["hello", "there"])).toMatchObject({ substitutions: 1, refWords: 2 });
  });

  it("agrees with a reference edit distance on random inputs", () => {
    const distance = (a: string[], b: string[]): number => {
      const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
      for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++)
          d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      return d[a.length]![b.length]!;
    };
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const ref = Array.from({ length: rand(12) }, () => "abcde"[rand(5)]!);
      const hyp = Array.from({ length: rand(12) }, () => "abcde"[rand(5)]!);
      const result = wordErrorRate(ref, hyp);
      const errors = result.substitutions + result.deletions + result.insertions;
      expect(errors).toBe(distance(ref, hyp));
      // The split must describe a real alignment of these lengths.
      expect(ref.length - result.deletions + result.insertions).toBe(hyp.length);
    }
  });

  it("handles long transcripts", () => {
    const ref = Array.from({ length: 5000 }, (_, i) => `w${i % 97}`).join(" ");
    const hyp = ref.replace(/w13 /g, "x ");
    const result = wordErrorRate(ref, hyp);
    expect(result.refWords).toBe(5000);
    expect(result.substitutions).toBeGreaterThan(0);
    expect(result.deletions + result.insertions).toBe(0);
  });
});
