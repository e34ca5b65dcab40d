import { describe, expect, it } from "vitest";
import { EngineError } from "./errors.ts";
import { encodeWhisperRequest, WhisperEngine, whisperDecoderArgs, whisperDecoderEnv, whisperLanguage } from "./whisper.ts";
import { pythonFromScriptOutput, WHISPER_DECODER_SCRIPT } from "./whisper-venv.ts";

describe("whisperDecoderArgs", () => {
  it("defaults to the bundled tiny.en, device auto and one thread", () => {
    expect(whisperDecoderArgs({})).toEqual([WHISPER_DECODER_SCRIPT, "--model", "tiny.en", "--device", "auto", "--threads", "1"]);
  });

  it("passes a model directory's pinned model.bin hash only when one is set", () => {
    expect(whisperDecoderArgs({ decoderScript: "/d.py", model: "/models/small", modelSha256: "ab".repeat(32) })).toEqual([
      "/d.py",
      "--model",
      "/models/small",
      "--model-sha256",
      "ab".repeat(32),
      "--device",
      "auto",
      "--threads",
      "1",
    ]);
    expect(whisperDecoderArgs({ model: "base" })).not.toContain("--model-sha256");
  });

  it("passes a model directory, device and threads through", () => {
    expect(whisperDecoderArgs({ decoderScript: "/d.py", model: "/models/small", device: "cpu", threads: 4 })).toEqual([
      "/d.py",
      "--model",
      "/models/small",
      "--device",
      "cpu",
      "--threads",
      "4",
    ]);
  });
});

describe("whisperDecoderEnv", () => {
  it("keeps the hub offline and every thread pool within the decoder's share", () => {
    expect(whisperDecoderEnv(2)).toMatchObject({
      HF_HUB_OFFLINE: "1",
      OMP_NUM_THREADS: "2",
      OPENBLAS_NUM_THREADS: "2",
      MKL_NUM_THREADS: "2",
    });
  });
});

describe("whisperLanguage", () => {
  it("asks for the primary subtag", () => {
    expect(whisperLanguage("en")).toBe("en");
    expect(whisperLanguage("en-US")).toBe("en");
    expect(whisperLanguage("pt_BR")).toBe("pt");
    expect(whisperLanguage(" FR ")).toBe("fr");
    expect(whisperLanguage("eng")).toBe("en");
  });

  it("leaves detection to the model for auto or nothing", () => {
    expect(whisperLanguage("auto")).toBeNull();
    expect(whisperLanguage("")).toBeNull();
  });
});

describe("encodeWhisperRequest", () => {
  it("is a JSON object, never empty, so it cannot read as the exit frame", () => {
    expect(JSON.parse(encodeWhisperRequest("de").toString("utf8"))).toEqual({ language: "de" });
    expect(JSON.parse(encodeWhisperRequest(null).toString("utf8"))).toEqual({ language: null });
    expect(encodeWhisperRequest(null).length).toBeGreaterThan(0);
  });
});

describe("pythonFromScriptOutput", () => {
  it("takes the last printed line", () => {
    expect(pythonFromScriptOutput("/c/whisper-ab/bin/python\n")).toBe("/c/whisper-ab/bin/python");
    expect(pythonFromScriptOutput("noise\n/c/whisper-ab/bin/python\n\n")).toBe("/c/whisper-ab/bin/python");
    expect(pythonFromScriptOutput("")).toBeUndefined();
  });
});

describe("WhisperEngine", () => {
  it("rejects audio that is not 16 kHz as a decode error before starting anything", async () => {
    const engine = new WhisperEngine({ python: "/nonexistent/python" });
    const err = await engine.transcribe({ pcm: Buffer.alloc(320), sampleRate: 8000 }, { language: "en" }).catch((e) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ errorClass: "decode", retriable: false });
    expect(engine.pid).toBeUndefined();
    await engine.close();
  });

  it("refuses work once closed", async () => {
    const engine = new WhisperEngine({ python: "/nonexistent/python" });
    await engine.close();
    await expect(engine.transcribe({ pcm: Buffer.alloc(320), sampleRate: 16000 }, { language: "en" })).rejects.toMatchObject({
      errorClass: "engine",
      retriable: false,
    });
  });
});
