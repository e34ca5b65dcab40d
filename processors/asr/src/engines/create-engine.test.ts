import { describe, expect, it } from "vitest";
import { ASR_ENGINE_NAMES, createEngine, isAsrEngineName } from "./create-engine.ts";

describe("createEngine", () => {
  it("builds every known engine without starting anything", async () => {
    for (const name of ASR_ENGINE_NAMES) {
      const engine = createEngine(name, { openai: { baseUrl: "http://127.0.0.1:1" } });
      expect(engine.name).toBe(name);
      await engine.close();
    }
  });

  it("names the valid engines when given an unknown one", () => {
    expect(() => createEngine("kaldi")).toThrow(/unknown ASR engine "kaldi".*pocketsphinx, pocketsphinx-spawn, whisper, openai, deterministic/);
  });

  it("requires a base URL for openai", () => {
    expect(() => createEngine("openai")).toThrow(/baseUrl/);
  });

  it("narrows names", () => {
    expect(isAsrEngineName("deterministic")).toBe(true);
    expect(isAsrEngineName("Deterministic")).toBe(false);
  });
});
