// PocketSphinx behind one long-lived ps-decoder process: the model (~0.3 s and
// ~100 MB to load) is loaded once and segments are decoded one at a time in
// arrival order. A timeout, crash, abort or garbled reply costs the process;
// the next request starts a fresh one.

import { ensureDecoderBuilt } from "./decoder-binary.ts";
import { awaitDecoderReady, decodeWithProcess } from "./decoder-exchange.ts";
import { DecoderProcess } from "./decoder-process.ts";
import { checkDecoderAudio, resolveDecoderLanguage } from "./decoder-protocol.ts";
import type { AsrEngine, AudioInput, EngineResult, TranscribeOptions } from "./engine.ts";
import { audioDurationSeconds } from "./engine.ts";
import { abortError, EngineError } from "./errors.ts";

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

interface Job {
  audio: AudioInput;
  signal: AbortSignal | undefined;
  resolve(words: { words: EngineResult["words"]; text: string }): void;
  reject(err: unknown): void;
  detach(): void;
}

export function requestTimeoutMs(
  audio: AudioInput,
  options: Pick<PocketSphinxOptions, "timeoutMs" | "timeoutPerAudioSecondMs">,
): number {
  const base = options.timeoutMs ?? POCKETSPHINX_DEFAULTS.timeoutMs;
  const perSecond = options.timeoutPerAudioSecondMs ?? POCKETSPHINX_DEFAULTS.timeoutPerAudioSecondMs;
  return Math.ceil(base + perSecond * audioDurationSeconds(audio));
}

function closedError(): EngineError {
  return new EngineError("engine", "PocketSphinx engine is closed", { retryable: false });
}

export class PocketSphinxEngine implements AsrEngine {
  readonly name: string = "pocketsphinx";
  readonly #options: PocketSphinxOptions;
  readonly #queue: Job[] = [];
  readonly #live = new Set<DecoderProcess>();
  #current: DecoderProcess | undefined;
  #busy = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #starting: Promise<DecoderProcess> | undefined;
  #lastLoadMs: number | undefined;

  constructor(options: PocketSphinxOptions = {}) {
    this.#options = options;
  }

  /** PID of the decoder currently serving requests, if one is running. */
  get pid(): number | undefined {
    return this.#current?.alive ? this.#current.pid : undefined;
  }

  /** Model load time reported by the most recently started decoder. */
  get lastLoadMs(): number | undefined {
    return this.#lastLoadMs;
  }

  /** Starts the decoder ahead of the first segment; resolves to the model load time. */
  async start(signal?: AbortSignal): Promise<number> {
    await this.#ensureProcess(signal);
    return this.#lastLoadMs ?? 0;
  }

  transcribe(audio: AudioInput, opts: TranscribeOptions): Promise<EngineResult> {
    try {
      if (this.#closed) throw closedError();
      checkDecoderAudio(audio);
      const language = resolveDecoderLanguage(opts.language);
      if (opts.signal?.aborted) throw abortError(opts.signal);
      // Zero bytes would be read by the decoder as the exit frame.
      if (audio.pcm.length === 0) return Promise.resolve({ language, words: [], text: "" });
      return this.#enqueue(audio, opts.signal).then((reply) => ({ language, ...reply }));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  #enqueue(audio: AudioInput, signal: AbortSignal | undefined): Promise<{ words: EngineResult["words"]; text: string }> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        // Only a job still waiting can be withdrawn here; a running one is
        // aborted by decodeWithProcess, which kills the decoder.
        const index = this.#queue.indexOf(job);
        if (index < 0) return;
        this.#queue.splice(index, 1);
        job.detach();
        if (signal) reject(abortError(signal));
      };
      const job: Job = {
        audio,
        signal,
        resolve,
        reject,
        detach: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(job);
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#busy) return;
    const job = this.#queue.shift();
    if (!job) return;
    this.#busy = true;
    job.detach();
    this.#run(job)
      .then(job.resolve, job.reject)
      .finally(() => {
        this.#busy = false;
        this.#pump();
      });
  }

  async #run(job: Job): Promise<{ words: EngineResult["words"]; text: string }> {
    const proc = await this.#ensureProcess(job.signal);
    if (this.#closed) throw closedError();
    return decodeWithProcess(proc, job.audio.pcm, {
      timeoutMs: requestTimeoutMs(job.audio, this.#options),
      signal: job.signal,
    });
  }

  #ensureProcess(signal: AbortSignal | undefined): Promise<DecoderProcess> {
    if (this.#starting) return this.#starting;
    if (this.#current?.alive) return Promise.resolve(this.#current);
    // Shared so that start() racing the first transcribe() spawns one decoder.
    this.#starting = this.#spawn(signal).finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #spawn(signal: AbortSignal | undefined): Promise<DecoderProcess> {
    const binary = this.#options.decoderPath ?? (await ensureDecoderBuilt());
    // Checked after the await: close() may have run while the build did.
    if (this.#closed) throw closedError();
    const proc = new DecoderProcess({
      binary,
      ...(this.#options.decoderArgs ? { args: this.#options.decoderArgs } : {}),
      ...(this.#options.modelDir ? { modelDir: this.#options.modelDir } : {}),
    });
    this.#current = proc;
    this.#live.add(proc);
    void proc.exited.then(() => {
      this.#live.delete(proc);
      if (this.#current === proc) this.#current = undefined;
    });
    this.#lastLoadMs = await awaitDecoderReady(proc, {
      timeoutMs: this.#options.startTimeoutMs ?? POCKETSPHINX_DEFAULTS.startTimeoutMs,
      signal,
    });
    return proc;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) {
      job.detach();
      job.reject(closedError());
    }
    const grace = this.#options.closeGraceMs ?? POCKETSPHINX_DEFAULTS.closeGraceMs;
    await Promise.all([...this.#live].map((proc) => proc.shutdown(grace)));
  }
}
