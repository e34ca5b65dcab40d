// The whisper engine end to end with the bundled tiny.en: accuracy on speech
// synthesized by flite and on recorded speech, what it makes of audio without
// speech, and process hygiene. Needs flite and the engine's venv (built on first
// use by processors/asr/python/ensure-venv.sh); no Kafka. The recorded speech is
// Debian's pocketsphinx-testdata (LibriVox readings; the package's copyright
// file puts it under BSD-2), skipped when absent.
//
// WER bounds: measured with faster-whisper 1.2.1 / CTranslate2 4.8.5, tiny.en
// int8, greedy, on Debian flite 2.2 (voice slt): weather 11.5%, meeting 0%,
// kitchen 14.8%, long 1.9%, pooled 2.8%; the five LibriVox clips pooled 5.6%
// (4 of 71 words: "Mr." for "mister", "old-sposed" for "ill disposed", and the
// reference's own slip "a more a amiable"). Decoding is deterministic (greedy
// first, a fixed seed for any fallback, the same words at any thread count),
// so the numbers only move with the pins; the bounds catch real breakage
// (wrong sample rate, byte order, framing or timeline) with room for a word or
// two of drift.

import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type FixtureText, hasRecordedSpeech, LONG_TEXT, loadWavAudio, recordedSpeech, SHORT_TEXTS, synthesizeSpeech, wordErrorRate } from "@lingostream/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AudioInput, EngineResult, EngineWord } from "../../src/engines/engine.ts";
import { EngineError } from "../../src/engines/errors.ts";
import { WhisperEngine } from "../../src/engines/whisper.ts";

const MAX_WER_SHORT = 0.25;
const MAX_WER_LONG = 0.1;
const MAX_WER_POOLED = 0.1;
const MAX_WER_RECORDED = 0.15;
const BYTES_PER_SECOND = 32_000;

let dir: string;
const audio = new Map<string, AudioInput>();
const engine = new WhisperEngine();
const results = new Map<string, EngineResult>();

function seconds(input: AudioInput): number {
  return input.pcm.length / BYTES_PER_SECOND;
}

function pcm(samples: Float64Array | number[]): AudioInput {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]!))), i * 2);
  return { pcm: out, sampleRate: 16000 };
}

function silence(s: number): AudioInput {
  return { pcm: Buffer.alloc(s * BYTES_PER_SECOND), sampleRate: 16000 };
}

/** Gaussian noise at about -20 dBFS from a fixed-seed generator. */
function whiteNoise(s: number): AudioInput {
  let state = 0x2545f491;
  const uniform = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 1) / 4294967297;
  };
  const samples = new Float64Array(s * 16000);
  for (let i = 0; i < samples.length; i++) samples[i] = 3000 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return pcm(samples);
}

function tone(s: number, hz: number): AudioInput {
  const samples = new Float64Array(s * 16000);
  for (let i = 0; i < samples.length; i++) samples[i] = 8000 * Math.sin((2 * Math.PI * hz * i) / 16000);
  return pcm(samples);
}

function expectSaneTimes(words: EngineWord[], duration: number): void {
  let prevStart = 0;
  for (const w of words) {
    expect(w.start).toBeTypeOf("number");
    expect(w.end).toBeTypeOf("number");
    expect(w.start!).toBeGreaterThanOrEqual(prevStart);
    expect(w.end!).toBeGreaterThanOrEqual(w.start!);
    expect(w.end!).toBeLessThanOrEqual(duration + 0.001);
    expect(w.confidence!).toBeGreaterThanOrEqual(0);
    expect(w.confidence!).toBeLessThanOrEqual(1);
    prevStart = w.start!;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}

function decoderChildren(): string[] {
  const out = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.includes("whisper_decoder.py"));
}

function transcribeFixture(e: WhisperEngine, fixture: FixtureText): Promise<EngineResult> {
  return e.transcribe(audio.get(fixture.id)!, { language: "en" });
}


beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lingostream-whisper-"));
  for (const fixture of [...SHORT_TEXTS, LONG_TEXT]) {
    const speech = await synthesizeSpeech(fixture.text, join(dir, `${fixture.id}.wav`));
    audio.set(fixture.id, await loadWavAudio(speech.path));
  }
});

afterAll(async () => {
  await engine.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  expect(decoderChildren()).toEqual([]);
});

describe("whisper engine on speech", () => {
  it("loads the model once and reports the load time", async () => {
    const loadMs = await engine.start();
    expect(loadMs).toBeGreaterThan(0);
    expect(loadMs).toBeLessThan(60_000);
    expect(engine.pid).toBeTypeOf("number");
  });

  it.each(SHORT_TEXTS.map((t) => [t.id, t] as const))("transcribes %s within the WER bound", async (_id, fixture) => {
    const pid = engine.pid;
    const result = await transcribeFixture(engine, fixture);
    results.set(fixture.id, result);
    expect(result.language).toBe("en");
    expect(result.text).toBe(result.words.map((w) => w.text).join(" "));
    expect(wordErrorRate(fixture.text, result.text).wer).toBeLessThanOrEqual(MAX_WER_SHORT);
    expectSaneTimes(result.words, seconds(audio.get(fixture.id)!));
    // Same process for every segment: the model was not reloaded.
    expect(engine.pid).toBe(pid);
  });

  it("transcribes more than two minutes of speech in one request", async () => {
    const input = audio.get(LONG_TEXT.id)!;
    expect(seconds(input)).toBeGreaterThan(120);
    const result = await transcribeFixture(engine, LONG_TEXT);
    results.set(LONG_TEXT.id, result);
    expect(wordErrorRate(LONG_TEXT.text, result.text).wer).toBeLessThanOrEqual(MAX_WER_LONG);
    expectSaneTimes(result.words, seconds(input));
    // Words spread over the whole recording, not bunched at the start.
    expect(result.words.at(-1)!.end!).toBeGreaterThan(seconds(input) - 3);
  });

  it("stays within the pooled WER bound", () => {
    let errors = 0;
    let refWords = 0;
    for (const fixture of [...SHORT_TEXTS, LONG_TEXT]) {
      const w = wordErrorRate(fixture.text, results.get(fixture.id)!.text);
      errors += w.substitutions + w.deletions + w.insertions;
      refWords += w.refWords;
    }
    expect(errors / refWords).toBeLessThanOrEqual(MAX_WER_POOLED);
  });

  it.skipIf(!hasRecordedSpeech())("transcribes recorded speech (LibriVox) within the WER bound", async () => {
    let errors = 0;
    let refWords = 0;
    const words: string[] = [];
    for (const clip of recordedSpeech()) {
      const input = await loadWavAudio(clip.path);
      const result = await engine.transcribe(input, { language: "en" });
      expectSaneTimes(result.words, seconds(input));
      const w = wordErrorRate(clip.text, result.text);
      errors += w.substitutions + w.deletions + w.insertions;
      refWords += w.refWords;
      words.push(...result.words.map((word) => word.text));
    }
    expect(refWords).toBeGreaterThan(50);
    expect(errors / refWords).toBeLessThanOrEqual(MAX_WER_RECORDED);
    // The pieces Whisper writes a hyphenated word in come back as one word.
    expect(words).toContain("cold-hearted");
  });

  it("gives the same words for the same audio, whatever the decoder did before", async () => {
    const fresh = new WhisperEngine();
    try {
      for (const fixture of SHORT_TEXTS) expect((await transcribeFixture(fresh, fixture)).words).toEqual(results.get(fixture.id)!.words);
    } finally {
      await fresh.close();
    }
  });

  it("serializes concurrent requests and answers each with its own audio", async () => {
    const concurrent = await Promise.all(SHORT_TEXTS.map((f) => transcribeFixture(engine, f)));
    for (const [i, result] of concurrent.entries()) expect(result.words).toEqual(results.get(SHORT_TEXTS[i]!.id)!.words);
  });
});

describe("whisper engine on audio without speech", () => {
  it.each([
    ["30 s of digital silence", () => silence(30)],
    ["30 s of white noise", () => whiteNoise(30)],
    ["30 s of a 440 Hz tone", () => tone(30, 440)],
  ])("hears no words in %s", async (_what, make) => {
    const result = await engine.transcribe(make(), { language: "en" });
    expect(result.words).toEqual([]);
    expect(result.text).toBe("");
  });

  it("does not grow a made-up tail on speech followed by silence", async () => {
    const speech = audio.get("meeting")!;
    const padded = { pcm: Buffer.concat([speech.pcm, silence(30).pcm]), sampleRate: 16000 };
    const result = await engine.transcribe(padded, { language: "en" });
    expect(result.words.map((w) => w.text)).toEqual(results.get("meeting")!.words.map((w) => w.text));
    expect(result.words.at(-1)!.end!).toBeLessThanOrEqual(seconds(speech) + 0.5);
  });

  it("returns no words for empty audio without disturbing the decoder", async () => {
    const pid = engine.pid;
    await expect(engine.transcribe({ pcm: Buffer.alloc(0), sampleRate: 16000 }, { language: "en" })).resolves.toEqual({
      language: "en",
      words: [],
      text: "",
    });
    expect(engine.pid).toBe(pid);
  });
});

describe("whisper engine failures", () => {
  it("refuses a non-English language on the English-only model, naming the setting, and keeps the decoder", async () => {
    const pid = engine.pid;
    const err = await engine.transcribe(audio.get("weather")!, { language: "fr" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ errorClass: "decode", retriable: false });
    expect((err as Error).message).toMatch(/English-only.*"fr".*LINGOSTREAM_WHISPER_MODEL/);
    expect(engine.pid).toBe(pid);
  });

  it("reports a model directory that is not there as a non-retriable engine error naming the setting", async () => {
    const broken = new WhisperEngine({ model: join(dir, "no-such-model") });
    try {
      const err = await broken.transcribe(silence(1), { language: "en" }).catch((e: unknown) => e);
      expect(err).toMatchObject({ errorClass: "engine", retriable: false });
      expect((err as Error).message).toContain("LINGOSTREAM_WHISPER_MODEL");
    } finally {
      await broken.close();
    }
  });

  it("kills and replaces the decoder on timeout", async () => {
    const slow = new WhisperEngine({ timeoutMs: 1000, timeoutPerAudioSecondMs: 0 });
    try {
      await slow.start();
      const pid = slow.pid!;
      const err = await transcribeFixture(slow, LONG_TEXT).catch((e: unknown) => e);
      expect(err).toMatchObject({ errorClass: "timeout", retriable: true });
      expect(isRunning(pid)).toBe(false);
      await expect(slow.transcribe(silence(1), { language: "en" })).resolves.toMatchObject({ language: "en" });
      expect(slow.pid).not.toBe(pid);
    } finally {
      await slow.close();
    }
  });

  it("respawns after the decoder is killed, idle or mid-request", async () => {
    const victim = new WhisperEngine();
    try {
      await victim.start();
      const idlePid = victim.pid!;
      process.kill(idlePid, "SIGKILL");
      await waitFor(() => victim.pid === undefined);
      const after = await transcribeFixture(victim, SHORT_TEXTS[0]!);
      expect(after.words).toEqual(results.get(SHORT_TEXTS[0]!.id)!.words);
      const busyPid = victim.pid!;
      expect(busyPid).not.toBe(idlePid);
      const pending = transcribeFixture(victim, LONG_TEXT);
      setTimeout(() => process.kill(busyPid, "SIGKILL"), 300);
      await expect(pending).rejects.toMatchObject({ errorClass: "engine", retriable: true });
      await expect(transcribeFixture(victim, SHORT_TEXTS[1]!)).resolves.toMatchObject({ language: "en" });
    } finally {
      await victim.close();
    }
  });

  it("leaves no decoder behind after close, even mid-request", async () => {
    const closing = new WhisperEngine({ closeGraceMs: 500 });
    await closing.start();
    const pid = closing.pid!;
    const pending = transcribeFixture(closing, LONG_TEXT).catch((e: unknown) => e);
    const queued = transcribeFixture(closing, SHORT_TEXTS[0]!).catch((e: unknown) => e);
    await sleep(200);
    await closing.close();
    expect(isRunning(pid)).toBe(false);
    expect(await pending).toMatchObject({ errorClass: "engine" });
    expect(await queued).toMatchObject({ errorClass: "engine", retriable: false });
    await expect(transcribeFixture(closing, SHORT_TEXTS[0]!)).rejects.toMatchObject({ retriable: false });
  });

  it("closes an idle decoder gracefully", async () => {
    const idle = new WhisperEngine();
    await idle.start();
    const pid = idle.pid!;
    const started = performance.now();
    await idle.close();
    expect(isRunning(pid)).toBe(false);
    // The exit frame is honoured; no need to wait out the kill grace period.
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
