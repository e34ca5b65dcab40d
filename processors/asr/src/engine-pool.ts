// One engine per in-flight slot and engine name: a PocketSphinx or whisper decoder
// holds its model in memory and decodes one segment at a time, so slots are not shared.

import type { AsrConfig, EngineName } from "./config.ts";
import { ENGINE_NAMES, resolveSlots, resolveWhisperThreads } from "./config.ts";
import type { AsrEngine } from "./engines/engine.ts";
import { createEngine } from "./engines/create-engine.ts";
import { PipelineError } from "@lingostream/runtime";

export type EngineFactory = (name: EngineName) => AsrEngine;

export interface LeasedEngine {
  engine: AsrEngine;
  release(): void;
}

export class EnginePool {
  private readonly idle = new Map<EngineName, AsrEngine[]>();
  private readonly all: AsrEngine[] = [];
  private readonly factory: EngineFactory;

  constructor(config: AsrConfig, factory?: EngineFactory) {
    this.factory =
      factory ??
      ((name) =>
        createEngine(name, {
          whisper: {
            model: config.whisperModel,
            device: config.whisperDevice,
            threads: resolveWhisperThreads(config.whisperThreads, resolveSlots(config.maxInFlight)),
            ...(config.whisperPython ? { python: config.whisperPython } : {}),
          },
          openai: { baseUrl: config.openaiBaseUrl, apiKey: config.openaiApiKey, model: config.openaiModel },
          deterministic: { delayMsPerAudioSecond: config.deterministicDelayMs },
        }));
  }

  async acquire(requested: string): Promise<LeasedEngine> {
    if (!(ENGINE_NAMES as readonly string[]).includes(requested)) {
      throw new PipelineError("engine", `unknown engine "${requested}"; this worker has ${ENGINE_NAMES.join(", ")}`);
    }
    const name = requested as EngineName;
    const list = this.idle.get(name) ?? [];
    this.idle.set(name, list);
    let engine = list.pop();
    if (!engine) {
      engine = this.factory(name);
      this.all.push(engine);
    }
    const leased = engine;
    return { engine: leased, release: () => list.push(leased) };
  }

  /** Engines waiting for work, across all names. */
  get idleCount(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /**
   * Memory cleanup: closes idle engines beyond `keep`, least recently used first
   * (a PocketSphinx decoder holds its model). Engines in use are untouched; a
   * closed slot is rebuilt by the next acquire. Returns how many were closed.
   */
  async closeIdle(keep = 0): Promise<number> {
    let excess = Math.max(0, this.idleCount - keep);
    const closing: AsrEngine[] = [];
    for (const list of this.idle.values()) {
      // release() appends and acquire() pops, so the front holds the longest idle.
      const taken = list.splice(0, Math.min(excess, list.length));
      excess -= taken.length;
      closing.push(...taken);
    }
    for (const engine of closing) this.all.splice(this.all.indexOf(engine), 1);
    await Promise.allSettled(closing.map((e) => e.close()));
    return closing.length;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all.map((e) => e.close()));
    this.all.length = 0;
    this.idle.clear();
  }
}
