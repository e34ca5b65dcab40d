// One engine per in-flight slot and engine name: a PocketSphinx or whisper decoder
// holds its model in memory and decodes one segment at a time, so slots are not shared.
// The pool also says what memory a new decoder will take, for the memory check
// before each segment, and gives decoders back under memory pressure.

import { PipelineError } from "@lingostream/runtime";
import type { AsrConfig, EngineName } from "./config.ts";
import { ENGINE_NAMES, resolveSlots, resolveWhisperThreads, whisperDecoderMemoryBytes } from "./config.ts";
import { createEngine } from "./engines/create-engine.ts";
import type { AsrEngine } from "./engines/engine.ts";

export type EngineFactory = (name: EngineName) => AsrEngine;

export interface LeasedEngine {
  engine: AsrEngine;
  release(): void;
}

const MiB = 1024 * 1024;

/**
 * What one running decoder of each engine holds, bytes: an estimate the memory
 * check adds to a segment that has to start one. whisper: the default tiny.en's;
 * a pool sizes its whisper decoders by the configured model
 * (whisperDecoderMemoryBytes). pocketsphinx: ps-decoder with the en-us model
 * measured about 100 MB. The others run no decoder in this process's reach.
 */
export const DECODER_MEMORY_BYTES: Readonly<Record<EngineName, number>> = {
  whisper: 400 * MiB,
  pocketsphinx: 130 * MiB,
  "pocketsphinx-spawn": 130 * MiB,
  openai: 0,
  deterministic: 0,
};

/** Engines whose decoder is a process per segment: every segment starts one, idle or not. */
const DECODER_PER_SEGMENT: ReadonlySet<string> = new Set<EngineName>(["pocketsphinx-spawn"]);

export interface EnginePoolOptions {
  /**
   * Decoders the memory level allows now (default: no limit). An engine released
   * while the pool holds more is closed rather than kept idle, so decoders freed
   * after the level rose are given back too, not only those idle at the change.
   */
  limit?: () => number;
}

export class EnginePool {
  private readonly idle = new Map<EngineName, AsrEngine[]>();
  private readonly all: AsrEngine[] = [];
  private readonly factory: EngineFactory;
  private readonly limit: () => number;
  private readonly decoderBytes: Readonly<Record<EngineName, number>>;

  constructor(config: AsrConfig, factory?: EngineFactory, options: EnginePoolOptions = {}) {
    this.limit = options.limit ?? (() => Number.POSITIVE_INFINITY);
    this.decoderBytes = { ...DECODER_MEMORY_BYTES, whisper: whisperDecoderMemoryBytes(config.whisperModel) };
    this.factory =
      factory ??
      ((name) =>
        createEngine(name, {
          whisper: {
            model: config.whisperModel,
            ...(config.whisperModelSha256 ? { modelSha256: config.whisperModelSha256 } : {}),
            device: config.whisperDevice,
            threads: resolveWhisperThreads(config.whisperThreads, resolveSlots(config.maxInFlight)),
            ...(config.whisperPython ? { python: config.whisperPython } : {}),
          },
          openai: { baseUrl: config.openaiBaseUrl, apiKey: config.openaiApiKey, model: config.openaiModel },
          deterministic: { delayMsPerAudioSecond: config.deterministicDelayMs },
        }));
  }

  /**
   * Memory the next acquire(name) brings, bytes: none when an idle engine of that
   * name waits (its decoder is running already), else one decoder's estimate.
   * Read it and call acquire() with no await between, so that two segments
   * cannot both count on the same idle decoder.
   */
  decoderBytesToAcquire(name: string): number {
    if (!(ENGINE_NAMES as readonly string[]).includes(name)) return 0;
    const engineName = name as EngineName;
    if (!DECODER_PER_SEGMENT.has(engineName) && (this.idle.get(engineName)?.length ?? 0) > 0) return 0;
    return this.decoderBytes[engineName];
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
    return {
      engine: leased,
      release: () => {
        list.push(leased);
        if (this.all.length > this.limit()) void this.closeIdle(this.limit());
      },
    };
  }

  /** Engines waiting for work, across all names. */
  get idleCount(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** Engines held, in use or idle, across all names (each a decoder for the persistent engines). */
  get size(): number {
    return this.all.length;
  }

  /**
   * Memory cleanup: closes idle engines, least recently used first, until at most
   * `keep` engines are held in all (in use and idle), so `keep` is the slots the
   * memory level allows. Closing ends the decoder process and its model's memory
   * (300–430 MB for whisper). Engines in use are untouched; a closed slot is
   * rebuilt by the next acquire. Returns how many were closed.
   */
  async closeIdle(keep = 0): Promise<number> {
    let excess = Math.max(0, this.all.length - keep);
    const closing: AsrEngine[] = [];
    for (const list of this.idle.values()) {
      if (excess === 0) break;
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
