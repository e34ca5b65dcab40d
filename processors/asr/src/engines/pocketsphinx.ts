// PocketSphinx behind one long-lived ps-decoder process: the model (~0.3 s and
// ~100 MB to load) is loaded once and segments are decoded one at a time in
// arrival order. A timeout, crash, abort or garbled reply costs the process;
// the next request starts a fresh one (see persistent-decoder.ts).

import { ensureDecoderBuilt } from "./decoder-binary.ts";
import { checkDecoderAudio, resolveDecoderLanguage } from "./decoder-protocol.ts";
import type { AsrEngine, AudioInput, EngineResult, TranscribeOptions } from "./engine.ts";
import { audioDurationSeconds } from "./engine.ts";
import { abortError } from "./errors.ts";
import { PersistentDecoder } from "./persistent-decoder.ts";

export interface PocketSphinxOptions {
  /** Prebuilt decoder; when unset, native/build.sh is run once to produce it. */
  decoderPath?: string;
  /** Directory with en-us/, en-us.lm.bin, cmudict-en-us.dict (default: Debian's). */
  modelDir?: string;
  /** Extra PocketSphinx flags, e.g. ["-lw", "10"]; they override the decoder's defaults. */
  decoderArgs?: readonly string[];
  /** Per-request budget is timeoutMs + timeoutPerAudioSecondMs x audio seconds. */
  timeoutMs?: number;
  timeoutPerAudioSecondMs?: number;
  /** Budget for spawning the decoder and loading the model. */
  startTimeoutMs?: number;
  /** How long close() lets the decoder finish before SIGKILL. */
  closeGraceMs?: number;
}

export const POCKETSPHINX_DEFAULTS = {
  timeoutMs: 15_000,
  // Decoding runs at roughly 0.1-0.3x real time; 2x leaves room for a loaded host.
  timeoutPerAudioSecondMs: 2_000,
  startTimeoutMs: 30_000,
  closeGraceMs: 2_000,
} as const;

export function requestTimeoutMs(
  audio: AudioInput,
  options: Pick<PocketSphinxOptions, "timeoutMs" | "timeoutPerAudioSecondMs">,
): number {
  const base = options.timeoutMs ?? POCKETSPHINX_DEFAULTS.timeoutMs;
  const perSecond = options.timeoutPerAudioSecondMs ?? POCKETSPHINX_DEFAULTS.timeoutPerAudioSecondMs;
  return Math.ceil(base + perSecond * audioDurationSeconds(audio));
}

export class PocketSphinxEngine implements AsrEngine {
  readonly name: string = "pocketsphinx";
  readonly #options: PocketSphinxOptions;
  readonly #decoder: PersistentDecoder;

  constructor(options: PocketSphinxOptions = {}) {
    this.#options = options;
    this.#decoder = new PersistentDecoder({
      engineLabel: "PocketSphinx",
      spawnOptions: async () => ({
        binary: options.decoderPath ?? (await ensureDecoderBuilt()),
        ...(options.decoderArgs ? { args: options.decoderArgs } : {}),
        ...(options.modelDir ? { modelDir: options.modelDir } : {}),
      }),
      startTimeoutMs: options.startTimeoutMs ?? POCKETSPHINX_DEFAULTS.startTimeoutMs,
      closeGraceMs: options.closeGraceMs ?? POCKETSPHINX_DEFAULTS.closeGraceMs,
    });
  }

  /** PID of the decoder currently serving requests, if one is running. */
  get pid(): number | undefined {
    return this.#decoder.pid;
  }

  /** Model load time reported by the most recently started decoder. */
  get lastLoadMs(): number | undefined {
    return this.#decoder.lastLoadMs;
  }

  /** Starts the decoder ahead of the first segment; resolves to the model load time. */
  start(signal?: AbortSignal): Promise<number> {
    return this.#decoder.start(signal);
  }

  transcribe(audio: AudioInput, opts: TranscribeOptions): Promise<EngineResult> {
    try {
      if (this.#decoder.closed) throw this.#decoder.closedError();
      checkDecoderAudio(audio);
      const language = resolveDecoderLanguage(opts.language);
      if (opts.signal?.aborted) throw abortError(opts.signal);
      // Zero bytes would be read by the decoder as the exit frame.
      if (audio.pcm.length === 0) return Promise.resolve({ language, words: [], text: "" });
      return this.#decoder
        .decode({ pcm: audio.pcm, timeoutMs: requestTimeoutMs(audio, this.#options), signal: opts.signal })
        .then(({ words, text }) => ({ language, words, text }));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(): Promise<void> {
    return this.#decoder.close();
  }
}
