// PocketSphinx with a fresh ps-decoder per segment: pays the model load on
// every call. Kept as the baseline the persistent engine is benchmarked against,
// and as a fallback when a long-lived child is unwelcome.

import { ensureDecoderBuilt } from "./decoder-binary.ts";
import { awaitDecoderReady, decodeWithProcess } from "./decoder-exchange.ts";
import { DecoderProcess } from "./decoder-process.ts";
import { checkDecoderAudio, resolveDecoderLanguage } from "./decoder-protocol.ts";
import type { AsrEngine, AudioInput, EngineResult, TranscribeOptions } from "./engine.ts";
import { abortError, EngineError } from "./errors.ts";
import { POCKETSPHINX_DEFAULTS, type PocketSphinxOptions, requestTimeoutMs } from "./pocketsphinx.ts";

export type PocketSphinxSpawnOptions = Omit<PocketSphinxOptions, "closeGraceMs">;

export class PocketSphinxSpawnEngine implements AsrEngine {
  readonly name: string = "pocketsphinx-spawn";
  readonly #options: PocketSphinxSpawnOptions;
  readonly #live = new Set<DecoderProcess>();
  #closed = false;

  constructor(options: PocketSphinxSpawnOptions = {}) {
    this.#options = options;
  }

  async transcribe(audio: AudioInput, opts: TranscribeOptions): Promise<EngineResult> {
    if (this.#closed) throw new EngineError("engine", "PocketSphinx engine is closed", { retriable: false });
    checkDecoderAudio(audio);
    const language = resolveDecoderLanguage(opts.language);
    if (opts.signal?.aborted) throw abortError(opts.signal);
    if (audio.pcm.length === 0) return { language, words: [], text: "" };
    const binary = this.#options.decoderPath ?? (await ensureDecoderBuilt());
    const proc = new DecoderProcess({
      binary,
      ...(this.#options.decoderArgs ? { args: this.#options.decoderArgs } : {}),
      ...(this.#options.modelDir ? { modelDir: this.#options.modelDir } : {}),
    });
    this.#live.add(proc);
    try {
      await awaitDecoderReady(proc, {
        timeoutMs: this.#options.startTimeoutMs ?? POCKETSPHINX_DEFAULTS.startTimeoutMs,
        signal: opts.signal,
      });
      const reply = await decodeWithProcess(proc, audio.pcm, {
        timeoutMs: requestTimeoutMs(audio, this.#options),
        signal: opts.signal,
        last: true,
      });
      return { language, ...reply };
    } finally {
      // Normally the child is already exiting on the queued exit frame.
      await proc.shutdown(1_000);
      this.#live.delete(proc);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const procs = [...this.#live];
    for (const proc of procs) proc.kill();
    await Promise.all(procs.map((proc) => proc.exited));
  }
}
