// PocketSphinx engines end to end on speech synthesized by flite: accuracy,
// timestamps, persistent/per-spawn equivalence, and process hygiene. Needs
// flite, ffmpeg and libpocketsphinx-dev; no Kafka.
//
// WER bounds: measured on Debian flite 2.2 (voice slt) + PocketSphinx
// 0.8+5prealpha en-us: weather 7.7%, meeting 4.3%, kitchen 18.5%, long 12.1%,
// pooled 11.9%. Decoding is deterministic, so the numbers only move with
// package versions. The bounds leave room for that drift (a couple of words
// per short text) while still catching real breakage: wrong sample rate,
// byte order or framing pushes WER towards 100%.

import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type FixtureText, LONG_TEXT, loadWavAudio, SHORT_TEXTS, synthesizeSpeech, wordErrorRate } from "@lingostream/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AudioInput, EngineResult, EngineWord } from "../../src/engines/engine.ts";
import { EngineError } from "../../src/engines/errors.ts";
import { PocketSphinxEngine } from "../../src/engines/pocketsphinx.ts";
import { PocketSphinxSpawnEngine } from "../../src/engines/pocketsphinx-spawn.ts";

const MAX_WER_SHORT = 0.35;
const MAX_WER_LONG = 0.2;
const MAX_WER_POOLED = 0.2;
const BYTES_PER_SECOND = 32_000;

let dir: string;
const audio = new Map<string, AudioInput>();
const persistent = new PocketSphinxEngine();
const spawned = new PocketSphinxSpawnEngine();
const results = new Map<string, EngineResult>();

function clip(input: AudioInput, fromSeconds: number, toSeconds: number): AudioInput {
  return { pcm: input.pcm.subarray(fromSeconds * BYTES_PER_SECOND, toSeconds * BYTES_PER_SECOND), sampleRate: 16000 };
}

function seconds(input: AudioInput): number {
  return input.pcm.length / BYTES_PER_SECOND;
}

function expectSaneTimes(words: EngineWord[], duration: number): void {
  let prevEnd = 0;
  for (const w of words) {
    expect(w.start).toBeTypeOf("number");
    expect(w.end).toBeTypeOf("number");
    expect(w.start!).toBeGreaterThanOrEqual(prevEnd);
    expect(w.end!).toBeGreaterThan(w.start!);
    expect(w.end!).toBeLessThanOrEqual(duration + 0.011);
    expect(w.confidence!).toBeGreaterThanOrEqual(0);
    expect(w.confidence!).toBeLessThanOrEqual(1);
    prevEnd = w.end!;
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
  const out = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.includes("ps-decoder"));
}

async function transcribeFixture(engine: PocketSphinxEngine | PocketSphinxSpawnEngine, fixture: FixtureText) {
  return engine.transcribe(audio.get(fixture.id)!, { language: "en" });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lingostream-asr-"));
  for (const fixture of [...SHORT_TEXTS, LONG_TEXT]) {
    const speech = await synthesizeSpeech(fixture.text, join(dir, `${fixture.id}.wav`));
    audio.set(fixture.id, await loadWavAudio(speech.path));
  }
});

afterAll(async () => {
  await persistent.close();
  await spawned.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  expect(decoderChildren()).toEqual([]);
});

describe("persistent PocketSphinx engine", () => {
  it("loads the model once and reports the load time", async () => {
    const loadMs = await persistent.start();
    expect(loadMs).toBeGreaterThan(0);
    expect(loadMs).toBeLessThan(30_000);
    expect(persistent.pid).toBeTypeOf("number");
  });

  it.each(SHORT_TEXTS.map((t) => [t.id, t] as const))("transcribes %s within the WER bound", async (_id, fixture) => {
    const pid = persistent.pid;
    const result = await transcribeFixture(persistent, fixture);
    results.set(fixture.id, result);
    expect(result.language).toBe("en");
    expect(result.text).toBe(result.words.map((w) => w.text).join(" "));
    expect(wordErrorRate(fixture.text, result.text).wer).toBeLessThan(MAX_WER_SHORT);
    expectSaneTimes(result.words, seconds(audio.get(fixture.id)!));
    // Same process for every segment: the model was not reloaded.
    expect(persistent.pid).toBe(pid);
  });

  it("transcribes more than two minutes of speech in one request", async () => {
    const input = audio.get(LONG_TEXT.id)!;
    expect(seconds(input)).toBeGreaterThan(120);
    const result = await transcribeFixture(persistent, LONG_TEXT);
    results.set(LONG_TEXT.id, result);
    expect(wordErrorRate(LONG_TEXT.text, result.text).wer).toBeLessThan(MAX_WER_LONG);
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
    expect(errors / refWords).toBeLessThan(MAX_WER_POOLED);
  });

  it("keeps timestamps on the audio timeline across digital silence", async () => {
    const first = audio.get("weather")!;
    const second = audio.get("meeting")!;
    const gap = 3;
    const joined = { pcm: Buffer.concat([first.pcm, Buffer.alloc(gap * BYTES_PER_SECOND), second.pcm]), sampleRate: 16000 };
    const result = await persistent.transcribe(joined, { language: "en" });
    const secondStarts = seconds(first) + gap;
    const inGap = result.words.filter((w) => w.start! > seconds(first) && w.end! < secondStarts);
    expect(inGap).toEqual([]);
    const we = result.words.find((w) => w.text === "we" && w.start! > seconds(first));
    expect(we).toBeDefined();
    // flite leaves ~0.15 s of lead-in before the first word.
    expect(we!.start!).toBeGreaterThan(secondStarts);
    expect(we!.start!).toBeLessThan(secondStarts + 0.5);
  });

  it("serializes concurrent requests and answers each with its own audio", async () => {
    const fixtures = [...SHORT_TEXTS];
    const concurrent = await Promise.all(fixtures.map((f) => transcribeFixture(persistent, f)));
    for (const [i, result] of concurrent.entries()) expect(result.words).toEqual(results.get(fixtures[i]!.id)!.words);
  });

  it("withdraws a queued request when its signal aborts", async () => {
    const controller = new AbortController();
    const running = transcribeFixture(persistent, SHORT_TEXTS[0]!);
    const queued = persistent.transcribe(audio.get(SHORT_TEXTS[1]!.id)!, { language: "en", signal: controller.signal });
    const pid = persistent.pid;
    controller.abort();
    await expect(queued).rejects.toMatchObject({ name: "AbortError" });
    await expect(running).resolves.toMatchObject({ language: "en" });
    expect(persistent.pid).toBe(pid);
  });

  it("rejects audio that is not 16 kHz as a decode error", async () => {
    const err = await persistent.transcribe({ pcm: Buffer.alloc(16000), sampleRate: 8000 }, { language: "en" }).catch((e) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ errorClass: "decode", retriable: false });
  });

  it("returns no words for empty audio without disturbing the decoder", async () => {
    const pid = persistent.pid;
    await expect(persistent.transcribe({ pcm: Buffer.alloc(0), sampleRate: 16000 }, { language: "en" })).resolves.toEqual({
      language: "en",
      words: [],
      text: "",
    });
    expect(persistent.pid).toBe(pid);
  });
});

describe("per-spawn PocketSphinx engine", () => {
  it.each(SHORT_TEXTS.map((t) => [t.id, t] as const))("gives the same words as the persistent engine for %s", async (_id, fixture) => {
    const result = await transcribeFixture(spawned, fixture);
    expect(result).toEqual(results.get(fixture.id));
    expect(decoderChildren().length).toBeLessThanOrEqual(1);
  });
});

describe("decoder process lifecycle", () => {
  it("kills and replaces the decoder on timeout", async () => {
    const engine = new PocketSphinxEngine({ timeoutMs: 2000, timeoutPerAudioSecondMs: 0 });
    try {
      await engine.start();
      const pid = engine.pid!;
      const err = await transcribeFixture(engine, LONG_TEXT).catch((e) => e);
      expect(err).toMatchObject({ errorClass: "timeout", retriable: true });
      expect(isRunning(pid)).toBe(false);
      const short = await engine.transcribe(clip(audio.get("weather")!, 0, 1), { language: "en" });
      expect(short.language).toBe("en");
      expect(engine.pid).not.toBe(pid);
    } finally {
      await engine.close();
    }
  });

  it("maps a caller deadline to a timeout error", async () => {
    const engine = new PocketSphinxEngine();
    try {
      const err = await engine.transcribe(audio.get(LONG_TEXT.id)!, { language: "en", signal: AbortSignal.timeout(1500) }).catch((e) => e);
      expect(err).toMatchObject({ errorClass: "timeout", retriable: true });
    } finally {
      await engine.close();
    }
  });

  it("respawns after the decoder crashes, idle or mid-request", async () => {
    const engine = new PocketSphinxEngine();
    try {
      await engine.start();
      const idlePid = engine.pid!;
      process.kill(idlePid, "SIGKILL");
      // A request racing the death notice would meet the dying decoder and fail
      // retryably; the point here is that the next request gets a new one.
      await waitFor(() => engine.pid === undefined);
      const after = await transcribeFixture(engine, SHORT_TEXTS[0]!);
      expect(after.words).toEqual(results.get(SHORT_TEXTS[0]!.id)!.words);
      const busyPid = engine.pid!;
      expect(busyPid).not.toBe(idlePid);
      const pending = transcribeFixture(engine, LONG_TEXT);
      setTimeout(() => process.kill(busyPid, "SIGKILL"), 300);
      await expect(pending).rejects.toMatchObject({ errorClass: "engine", retriable: true });
      await expect(transcribeFixture(engine, SHORT_TEXTS[1]!)).resolves.toMatchObject({ language: "en" });
    } finally {
      await engine.close();
    }
  });

  it("leaves no decoder behind after close, even mid-request", async () => {
    const engine = new PocketSphinxEngine({ closeGraceMs: 500 });
    await engine.start();
    const pid = engine.pid!;
    const pending = transcribeFixture(engine, LONG_TEXT).catch((e: unknown) => e);
    const queued = transcribeFixture(engine, SHORT_TEXTS[0]!).catch((e: unknown) => e);
    await sleep(200);
    await engine.close();
    expect(isRunning(pid)).toBe(false);
    expect(await pending).toMatchObject({ errorClass: "engine" });
    expect(await queued).toMatchObject({ errorClass: "engine", retriable: false });
    await expect(transcribeFixture(engine, SHORT_TEXTS[0]!)).rejects.toMatchObject({ retriable: false });
  });

  it("reports a missing model as a non-retriable engine error", async () => {
    const engine = new PocketSphinxEngine({ modelDir: join(dir, "no-such-model") });
    const err = await engine.transcribe(clip(audio.get("weather")!, 0, 1), { language: "en" }).catch((e) => e);
    expect(err).toMatchObject({ errorClass: "engine", retriable: false });
    expect(err.message).toContain("acoustic model directory not found");
    await engine.close();
  });

  it("closes an idle persistent engine gracefully", async () => {
    const engine = new PocketSphinxEngine();
    await engine.start();
    const pid = engine.pid!;
    const started = performance.now();
    await engine.close();
    expect(isRunning(pid)).toBe(false);
    // The exit frame is honoured; no need to wait out the kill grace period.
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
