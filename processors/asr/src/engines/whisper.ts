// Whisper (faster-whisper on CTranslate2) behind one long-lived
// python/whisper_decoder.py process: the model is loaded once (about 0.5 s and
// 300 MB for the bundled tiny.en) and segments are decoded one at a time, as
// with PocketSphinx (see persistent-decoder.ts). Fully offline: the decoder
// never downloads, and its Python comes from a venv of hash-pinned packages.

import { checkDecoderAudio } from "./decoder-protocol.ts";
import type { AsrEngine, AudioInput, EngineResult, TranscribeOptions } from "./engine.ts";
import { abortError } from "./errors.ts";
import { PersistentDecoder } from "./persistent-decoder.ts";
import { requestTimeoutMs } from "./pocketsphinx.ts";
import { ensureWhisperPython, WHISPER_DECODER_SCRIPT } from "./whisper-venv.ts";

export const WHISPER_DEVICES = ["auto", "cpu", "cuda"] as const;
export type WhisperDevice = (typeof WHISPER_DEVICES)[number];

/**
 * Models the engine's venv brings (python/whisper_models.py), each checked
 * against pinned hashes before loading; any other model setting is a directory.
 * tiny.en is English-only, base multilingual.
 */
export const WHISPER_BUNDLED_MODELS = ["tiny.en", "base"] as const;

export interface WhisperOptions {
  /** Python with faster-whisper; when unset, python/ensure-venv.sh provides the cached venv's. */
  python?: string;
  /** "tiny.en" or "base" (bundled, hash-checked) or a CTranslate2 Whisper model directory. */
  model?: string;
  /** sha256 (hex) that a model directory's model.bin must have; the decoder refuses to load it otherwise. */
  modelSha256?: string;
  /** auto: CUDA (float16) when CTranslate2 sees a GPU, else CPU (int8). */
  device?: WhisperDevice;
  /** CTranslate2 CPU threads of this decoder. */
  threads?: number;
  /** The decoder script (tests point it elsewhere). */
  decoderScript?: string;
  /** Per-request budget is timeoutMs + timeoutPerAudioSecondMs x audio seconds. */
  timeoutMs?: number;
  timeoutPerAudioSecondMs?: number;
  /** Budget for starting Python and loading the model (not for building the venv). */
  startTimeoutMs?: number;
  /** How long close() lets the decoder finish before SIGKILL. */
  closeGraceMs?: number;
}

export const WHISPER_DEFAULTS = {
  model: "tiny.en",
  device: "auto",
  threads: 1,
  timeoutMs: 30_000,
  // tiny.en on one core decodes at about 0.1-0.2x real time; larger models on a
  // CPU approach real time, and the processor's own segment deadline still binds.
  timeoutPerAudioSecondMs: 3_000,
  // Python imports and a model of up to a few GB from a cold disk.
  startTimeoutMs: 120_000,
  closeGraceMs: 2_000,
} as const satisfies Required<Omit<WhisperOptions, "python" | "decoderScript" | "modelSha256">>;

/** Command-line arguments of whisper_decoder.py. */
export function whisperDecoderArgs(options: Pick<WhisperOptions, "decoderScript" | "model" | "modelSha256" | "device" | "threads">): string[] {
  return [
    options.decoderScript ?? WHISPER_DECODER_SCRIPT,
    "--model",
    options.model ?? WHISPER_DEFAULTS.model,
    ...(options.modelSha256 ? ["--model-sha256", options.modelSha256] : []),
    "--device",
    options.device ?? WHISPER_DEFAULTS.device,
    "--threads",
    String(options.threads ?? WHISPER_DEFAULTS.threads),
  ];
}

/**
 * Environment added for the decoder. The hub variables are a second lock on
 * the door (the decoder already loads only local directories); the thread
 * variables keep numpy's BLAS and OpenMP within the decoder's share of cores.
 */
export function whisperDecoderEnv(threads: number): Record<string, string> {
  const n = String(threads);
  return {
    HF_HUB_OFFLINE: "1",
    HF_HUB_DISABLE_TELEMETRY: "1",
    TRANSFORMERS_OFFLINE: "1",
    PYTHONDONTWRITEBYTECODE: "1",
    OMP_NUM_THREADS: n,
    OPENBLAS_NUM_THREADS: n,
    MKL_NUM_THREADS: n,
  };
}

/**
 * The language to ask Whisper for: a primary subtag ("en-US" → "en"), or null
 * to let a multilingual model detect it. Whether the model has that language
 * is the decoder's call (an English-only model refuses everything but "en").
 */
export function whisperLanguage(tag: string): string | null {
  const t = tag.trim().toLowerCase();
  if (t === "" || t === "auto") return null;
  const primary = t.split(/[-_]/)[0] ?? t;
  return primary === "eng" || primary === "english" ? "en" : primary;
}

/** The options frame sent before each segment's audio. */
export function encodeWhisperRequest(language: string | null): Buffer {
  return Buffer.from(JSON.stringify({ language }), "utf8");
}

/** Resolves when `promise` does, rejects as soon as the signal aborts (the work goes on). */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

export class WhisperEngine implements AsrEngine {
  readonly name: string = "whisper";
  readonly #options: WhisperOptions;
  readonly #decoder: PersistentDecoder;

  constructor(options: WhisperOptions = {}) {
    this.#options = options;
    const threads = options.threads ?? WHISPER_DEFAULTS.threads;
    this.#decoder = new PersistentDecoder({
      engineLabel: "whisper",
      spawnOptions: async (signal) => ({
        // The first use on a machine builds the venv; a segment's deadline
        // stops waiting for it, not the build, which the next segment finds done.
        binary: options.python ?? (await unlessAborted(ensureWhisperPython(), signal)),
        args: whisperDecoderArgs(options),
        env: whisperDecoderEnv(threads),
        label: "whisper-decoder",
      }),
      startTimeoutMs: options.startTimeoutMs ?? WHISPER_DEFAULTS.startTimeoutMs,
      closeGraceMs: options.closeGraceMs ?? WHISPER_DEFAULTS.closeGraceMs,
    });
  }

  /** PID of the decoder currently serving requests, if one is running. */
  get pid(): number | undefined {
    return this.#decoder.pid;
  }

  /** Load time (Python start, imports, hash check, model and VAD) the latest decoder reported. */
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
      checkDecoderAudio(audio, "Whisper");
      if (opts.signal?.aborted) throw abortError(opts.signal);
      const language = whisperLanguage(opts.language);
      // Empty audio goes to the decoder too (its options frame is never empty,
      // so it is not the exit frame): a language the model lacks fails the same.
      return this.#decoder
        .decode({
          pcm: audio.pcm,
          options: encodeWhisperRequest(language),
          timeoutMs: requestTimeoutMs(audio, {
            timeoutMs: this.#options.timeoutMs ?? WHISPER_DEFAULTS.timeoutMs,
            timeoutPerAudioSecondMs: this.#options.timeoutPerAudioSecondMs ?? WHISPER_DEFAULTS.timeoutPerAudioSecondMs,
          }),
          signal: opts.signal,
        })
        .then((reply) => ({ language: reply.language ?? language ?? "und", words: reply.words, text: reply.text }));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(): Promise<void> {
    return this.#decoder.close();
  }
}
