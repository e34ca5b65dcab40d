import { describe, expect, it } from "vitest";
import { DeterministicEngine, deterministicWords } from "./deterministic.ts";
import { EngineError } from "./errors.ts";

function noise(seconds: number, seed: number): Buffer {
  const pcm = Buffer.alloc(Math.round(seconds * 16000) * 2);
  let x = seed;
  for (let i = 0; i < pcm.length; i += 2) {
    x = (x * 1103515245 + 12345) >>> 0;
    pcm.writeInt16LE((x >>> 16) - 32768, i);
  }
  return pcm;
}

describe("deterministicWords", () => {
  it("yields one word per started second with in-range times", () => {
    const words = deterministicWords({ pcm: noise(3.5, 1), sampleRate: 16000 });
    expect(words).toHaveLength(4);
    expect(words.map((w) => w.start)).toEqual([0, 1, 2, 3]);
    expect(words[3]?.end).toBe(3.5);
    for (const w of words) expect(w.end! > w.start!).toBe(true);
  });

  it("is a function of the bytes", () => {
    const a = deterministicWords({ pcm: noise(5, 1), sampleRate: 16000 });
    expect(deterministicWords({ pcm: noise(5, 1), sampleRate: 16000 })).toEqual(a);
    const b = deterministicWords({ pcm: noise(5, 2), sampleRate: 16000 });
    expect(b.map((w) => w.text)).not.toEqual(a.map((w) => w.text));
  });

  it("returns nothing for empty audio", () => {
    expect(deterministicWords({ pcm: Buffer.alloc(0), sampleRate: 16000 })).toEqual([]);
  });
});

describe("DeterministicEngine", () => {
  it("returns the requested language and joined text", async () => {
    const engine = new DeterministicEngine();
    const result = await engine.transcribe({ pcm: noise(2, 3), sampleRate: 16000 }, { language: "de" });
    expect(result.language).toBe("de");
    expect(result.text).toBe(result.words.map((w) => w.text).join(" "));
  });

  it("delays in proportion to audio length and honours abort", async () => {
    const engine = new DeterministicEngine({ delayMsPerAudioSecond: 50 });
    const started = performance.now();
    await engine.transcribe({ pcm: noise(2, 3), sampleRate: 16000 }, { language: "en" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    const controller = new AbortController();
    const pending = engine.transcribe({ pcm: noise(10, 3), sampleRate: 16000 }, { language: "en", signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await expect(
      engine.transcribe({ pcm: noise(10, 3), sampleRate: 16000 }, { language: "en", signal: AbortSignal.timeout(10) }),
    ).rejects.toMatchObject({ errorClass: "timeout", retriable: true });
  });

  it("rejects odd PCM as decode and work after close as engine", async () => {
    const engine = new DeterministicEngine();
    await expect(engine.transcribe({ pcm: Buffer.alloc(3), sampleRate: 16000 }, { language: "en" })).rejects.toMatchObject({
      errorClass: "decode",
    });
    await engine.close();
    await expect(engine.transcribe({ pcm: Buffer.alloc(2), sampleRate: 16000 }, { language: "en" })).rejects.toBeInstanceOf(
      EngineError,
    );
  });
});
