import { describe, expect, it } from "vitest";
import { CueBuilder, groupWordsIntoCues } from "./cues.ts";
import type { WordTiming } from "./events.ts";

/** Words of the given texts, each 0.4 s long, 0.1 s apart, from `start`. */
function words(texts: string[], start = 0): WordTiming[] {
  return texts.map((text, i) => ({ text, start: start + i * 0.5, end: start + i * 0.5 + 0.4, confidence: 1 }));
}

describe("cue grouping", () => {
  it("puts short speech in one cue spanning its first start and last end", () => {
    expect(groupWordsIntoCues(words(["one", "two", "three"]))).toEqual([{ start: 0, end: 1.4, lines: ["one two three"] }]);
  });

  it("wraps at 42 characters per line and starts a new cue after two lines", () => {
    const ws = words(Array.from({ length: 30 }, (_, i) => `word${String(i).padStart(2, "0")}`), 0).map((w, i) => ({
      ...w,
      start: i * 0.1,
      end: i * 0.1 + 0.05,
    }));
    const cues = groupWordsIntoCues(ws);
    for (const cue of cues) {
      expect(cue.lines.length).toBeLessThanOrEqual(2);
      for (const line of cue.lines) expect(line.length).toBeLessThanOrEqual(42);
    }
    // 6 words of 6 chars fit a 42-char line (6*6 + 5 spaces = 41), so 12 per cue.
    expect(cues.map((c) => c.lines.join(" ").split(" ").length)).toEqual([12, 12, 6]);
    expect(cues.flatMap((c) => c.lines.join(" ").split(" "))).toEqual(ws.map((w) => w.text));
  });

  it("keeps a cue within 7 seconds", () => {
    const ws = Array.from({ length: 20 }, (_, i) => ({ text: "a", start: i, end: i + 0.5, confidence: 1 }));
    const cues = groupWordsIntoCues(ws);
    for (const cue of cues) expect(cue.end - cue.start).toBeLessThanOrEqual(7);
    expect(cues.length).toBeGreaterThan(2);
  });

  it("starts a new cue after a long pause instead of showing text over silence", () => {
    const cues = groupWordsIntoCues([...words(["before"]), ...words(["after"], 5)]);
    expect(cues.map((c) => c.lines)).toEqual([["before"], ["after"]]);
  });

  it("closes a cue at a sentence end once it holds half a line", () => {
    const cues = groupWordsIntoCues(words(["This", "is", "a", "finished", "sentence.", "Next"]));
    expect(cues.map((c) => c.lines.join(" "))).toEqual(["This is a finished sentence.", "Next"]);
  });

  it("emits cues in time order and never overlapping, even when segments overlap", () => {
    const cues = groupWordsIntoCues([
      { text: "a", start: 0, end: 3, confidence: 1 },
      { text: "b.", start: 2, end: 9, confidence: 1 },
      { text: "c", start: 8.5, end: 9.5, confidence: 1 },
    ]);
    for (let i = 1; i < cues.length; i++) expect(cues[i]!.start).toBeGreaterThanOrEqual(cues[i - 1]!.end);
  });

  it("skips empty words and folds whitespace inside a word", () => {
    const builder = new CueBuilder();
    expect(builder.add({ text: "  ", start: 0, end: 1, confidence: 1 })).toEqual([]);
    builder.add({ text: "new\nline", start: 0, end: 1, confidence: 1 });
    expect(builder.flush()).toEqual([{ start: 0, end: 1, lines: ["new line"] }]);
    expect(builder.flush()).toEqual([]);
  });
});
