// Engines with known output for the bad-input run, injected through
// startServices' engineFactory. Engine names are a closed set, so the factory
// gives two of them test meanings: "deterministic" hears a word per second of
// sound and nothing in silence; "openai" hallucinates 1000-character words.

import { type AsrEngine, createEngine, type EngineFactory, type EngineResult } from "@lingostream/asr";

/** The engine name a job asks for to get the hallucinating engine. */
export const HALLUCINATING = "openai";
export const LONG_WORD_LENGTH = 1000;

/** Peak amplitude of one second of s16le PCM. */
function peak(pcm: Buffer, sampleRate: number, second: number): number {
  const from = second * sampleRate * 2;
  const to = Math.min(pcm.length - 1, from + sampleRate * 2);
  let max = 0;
  for (let at = from; at + 1 <= to; at += 2) max = Math.max(max, Math.abs(pcm.readInt16LE(at)));
  return max;
}

/** The deterministic engine's words, minus those of silent seconds: an hour of silence has no words. */
function quietDeterministic(): AsrEngine {
  const inner = createEngine("deterministic");
  return {
    name: "deterministic",
    async transcribe(audio, opts): Promise<EngineResult> {
      const result = await inner.transcribe(audio, opts);
      const words = result.words.filter((w) => peak(audio.pcm, audio.sampleRate, Math.floor(w.start ?? 0)) > 256);
      return { ...result, words, text: words.map((w) => w.text).join(" ") };
    },
    close: () => inner.close(),
  };
}

/** Two real words per segment with two 1000-character "words" between and after them. */
function hallucinating(): AsrEngine {
  return {
    name: "hallucinating-test-engine",
    async transcribe(audio, opts): Promise<EngineResult> {
      const seconds = audio.pcm.length / 2 / audio.sampleRate;
      const words = [
        { text: "hello", start: 0, end: Math.min(0.4, seconds), confidence: 0.9 },
        { text: "x".repeat(LONG_WORD_LENGTH), start: 0.4, end: Math.min(0.8, seconds), confidence: 0.9 },
        { text: "world", start: Math.min(0.8, seconds), end: Math.min(1.2, seconds), confidence: 0.9 },
        { text: "ab".repeat(LONG_WORD_LENGTH / 2), start: Math.min(1.2, seconds), end: seconds, confidence: 0.9 },
      ];
      return { language: opts.language, words, text: words.map((w) => w.text).join(" ") };
    },
    async close() {},
  };
}

export const testEngines: EngineFactory = (name) => (name === HALLUCINATING ? hallucinating() : quietDeterministic());
