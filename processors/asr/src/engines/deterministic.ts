// Benchmark-only engine: a repeatable transcript derived from the audio bytes,
// so pipeline throughput can be measured without ASR cost or variance. Never
// selected by default; nothing it returns is speech recognition.

import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { AsrEngine, AudioInput, EngineResult, EngineWord, TranscribeOptions } from "./engine.ts";
import { audioDurationSeconds } from "./engine.ts";
import { abortError, EngineError } from "./errors.ts";

export interface DeterministicEngineOptions {
  /** Simulated engine cost: milliseconds of delay per second of audio (default 0). */
  delayMsPerAudioSecond?: number;
}

const VOCABULARY = [
  "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
  "india", "juliett", "kilo", "lima", "mike", "november", "oscar", "papa",
  "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray",
  "yankee", "zulu",
] as const;

/** One pseudo-word per started second, picked by a hash of that second's bytes. */
export function deterministicWords(audio: AudioInput): EngineWord[] {
  const duration = audioDurationSeconds(audio);
  const bytesPerSecond = audio.sampleRate * 2;
  const words: EngineWord[] = [];
  for (let second = 0; second < duration; second++) {
    const slice = audio.pcm.subarray(second * bytesPerSecond, (second + 1) * bytesPerSecond);
    const digest = createHash("sha256").update(slice).digest();
    const text = VOCABULARY[digest.readUInt32BE(0) % VOCABULARY.length] ?? "alpha";
    const end = Math.min(duration, second + 0.8);
    words.push({ text, start: second, end: Math.round(end * 1000) / 1000, confidence: 1 });
  }
  return words;
}

export class DeterministicEngine implements AsrEngine {
  readonly name: string = "deterministic";
  readonly #delayMsPerAudioSecond: number;
  readonly #closer = new AbortController();

  constructor(options: DeterministicEngineOptions = {}) {
    this.#delayMsPerAudioSecond = Math.max(0, options.delayMsPerAudioSecond ?? 0);
  }

  async transcribe(audio: AudioInput, opts: TranscribeOptions): Promise<EngineResult> {
    if (this.#closer.signal.aborted) throw new EngineError("engine", "deterministic engine is closed", { retriable: false });
    if (audio.sampleRate <= 0 || audio.pcm.length % 2 !== 0) {
      throw new EngineError("decode", `invalid PCM: ${audio.pcm.length} bytes at ${audio.sampleRate} Hz`);
    }
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const delay = this.#delayMsPerAudioSecond * audioDurationSeconds(audio);
    if (delay > 0) {
      const signal = opts.signal ? AbortSignal.any([opts.signal, this.#closer.signal]) : this.#closer.signal;
      try {
        await sleep(delay, undefined, { signal });
      } catch (err) {
        if (opts.signal?.aborted) throw abortError(opts.signal);
        throw new EngineError("engine", "deterministic engine closed mid-request", { cause: err });
      }
    }
    const words = deterministicWords(audio);
    return { language: opts.language, words, text: words.map((w) => w.text).join(" ") };
  }

  async close(): Promise<void> {
    this.#closer.abort();
  }
}
