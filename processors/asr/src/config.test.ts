import { loadConfig } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { asrSpec, resolveWhisperThreads, whisperDecoderMemoryBytes } from "./config.ts";

describe("whisper settings", () => {
  it("default to the bundled tiny.en, device auto, threads auto, the cached venv", () => {
    const config = loadConfig(asrSpec, {});
    expect(config).toMatchObject({ whisperModel: "tiny.en", whisperDevice: "auto", whisperThreads: "auto", whisperPython: undefined });
  });

  it("make whisper the engine for segments that name none, pocketsphinx still selectable", () => {
    expect(loadConfig(asrSpec, {}).engine).toBe("whisper");
    expect(loadConfig(asrSpec, { LINGOSTREAM_ASR_ENGINE: "pocketsphinx" }).engine).toBe("pocketsphinx");
  });

  it("take a model directory, a device, a thread count and a python", () => {
    const config = loadConfig(asrSpec, {
      LINGOSTREAM_WHISPER_MODEL: "/models/whisper-small",
      LINGOSTREAM_WHISPER_DEVICE: "cpu",
      LINGOSTREAM_WHISPER_THREADS: "3",
      LINGOSTREAM_WHISPER_PYTHON: "/opt/venv/bin/python",
      LINGOSTREAM_ASR_ENGINE: "whisper",
    });
    expect(config).toMatchObject({
      whisperModel: "/models/whisper-small",
      whisperDevice: "cpu",
      whisperThreads: 3,
      whisperPython: "/opt/venv/bin/python",
      engine: "whisper",
    });
  });

  it("take base as a model and leave a directory unchecked unless its model.bin sha256 is given", () => {
    expect(loadConfig(asrSpec, { LINGOSTREAM_WHISPER_MODEL: "base" })).toMatchObject({ whisperModel: "base", whisperModelSha256: undefined });
    const hash = "D01C3014881C9C6F3133C182F3D2887EB6CA1C789A7538C5C007196857A0A6A9";
    expect(loadConfig(asrSpec, { LINGOSTREAM_WHISPER_MODEL: "/models/base", LINGOSTREAM_WHISPER_MODEL_SHA256: hash }).whisperModelSha256).toBe(hash.toLowerCase());
  });

  it("reject a model hash that is not a sha256", () => {
    for (const bad of ["d01c3014", `${"a".repeat(63)}g`, `${"a".repeat(64)}0`]) {
      expect(() => loadConfig(asrSpec, { LINGOSTREAM_WHISPER_MODEL_SHA256: bad })).toThrow(/LINGOSTREAM_WHISPER_MODEL_SHA256.*64 hexadecimal digits/);
    }
  });

  it("report a bad device and thread count together", () => {
    expect(() => loadConfig(asrSpec, { LINGOSTREAM_WHISPER_DEVICE: "tpu", LINGOSTREAM_WHISPER_THREADS: "0" })).toThrow(
      /LINGOSTREAM_WHISPER_DEVICE[\s\S]*LINGOSTREAM_WHISPER_THREADS/,
    );
  });
});

describe("resolveWhisperThreads", () => {
  it("shares the cores but one out among the slots, leaving a core to the pipeline's own work", () => {
    expect(resolveWhisperThreads("auto", 2, 2)).toBe(1);
    expect(resolveWhisperThreads("auto", 1, 2)).toBe(1);
    expect(resolveWhisperThreads("auto", 1, 8)).toBe(7);
    expect(resolveWhisperThreads("auto", 3, 8)).toBe(2);
    expect(resolveWhisperThreads("auto", 16, 8)).toBe(1);
  });

  it("gives a decoder one thread when there is a single core", () => {
    expect(resolveWhisperThreads("auto", 1, 1)).toBe(1);
  });

  it("keeps an explicit count", () => {
    expect(resolveWhisperThreads(4, 8, 2)).toBe(4);
  });
});

describe("whisperDecoderMemoryBytes", () => {
  const MiB = 1024 * 1024;

  it("admits more for base than for tiny.en, above what each measured at its peak", () => {
    expect(whisperDecoderMemoryBytes("tiny.en")).toBe(400 * MiB);
    expect(whisperDecoderMemoryBytes("base")).toBe(480 * MiB);
    expect(whisperDecoderMemoryBytes("base")).toBeGreaterThan(410 * MiB);
  });

  it("sizes a model directory as the larger bundled model", () => {
    expect(whisperDecoderMemoryBytes("/models/whisper-small")).toBe(whisperDecoderMemoryBytes("base"));
  });
});
