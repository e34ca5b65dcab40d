// The one place engine names become engine instances, so configuration errors
// surface here with the list of valid names.

import { DeterministicEngine, type DeterministicEngineOptions } from "./deterministic.ts";
import type { AsrEngine } from "./engine.ts";
import { OpenAiEngine, type OpenAiEngineOptions } from "./openai.ts";
import { PocketSphinxEngine, type PocketSphinxOptions } from "./pocketsphinx.ts";
import { PocketSphinxSpawnEngine, type PocketSphinxSpawnOptions } from "./pocketsphinx-spawn.ts";
import { WhisperEngine, type WhisperOptions } from "./whisper.ts";

export const ASR_ENGINE_NAMES = ["pocketsphinx", "pocketsphinx-spawn", "whisper", "openai", "deterministic"] as const;
export type AsrEngineName = (typeof ASR_ENGINE_NAMES)[number];

/** Options per engine; only the entry for the engine being created is read. */
export interface CreateEngineOptions {
  pocketsphinx?: PocketSphinxOptions;
  "pocketsphinx-spawn"?: PocketSphinxSpawnOptions;
  whisper?: WhisperOptions;
  openai?: Partial<OpenAiEngineOptions>;
  deterministic?: DeterministicEngineOptions;
}

export function isAsrEngineName(name: string): name is AsrEngineName {
  return (ASR_ENGINE_NAMES as readonly string[]).includes(name);
}

export function createEngine(name: string, options: CreateEngineOptions = {}): AsrEngine {
  if (!isAsrEngineName(name)) {
    throw new Error(`unknown ASR engine "${name}"; expected one of: ${ASR_ENGINE_NAMES.join(", ")}`);
  }
  switch (name) {
    case "pocketsphinx":
      return new PocketSphinxEngine(options.pocketsphinx);
    case "pocketsphinx-spawn":
      return new PocketSphinxSpawnEngine(options["pocketsphinx-spawn"]);
    case "whisper":
      return new WhisperEngine(options.whisper);
    case "openai": {
      const { baseUrl, ...rest } = options.openai ?? {};
      if (!baseUrl) throw new Error('ASR engine "openai" needs options.openai.baseUrl');
      return new OpenAiEngine({ baseUrl, ...rest });
    }
    case "deterministic":
      return new DeterministicEngine(options.deterministic);
  }
}
