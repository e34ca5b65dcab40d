// One long-lived decoder child behind a queue, shared by the persistent engines
// (PocketSphinx, whisper): the model is loaded once and segments are decoded one
// at a time in arrival order. A timeout, crash, abort or garbled reply costs the
// process; the next request starts a fresh one. close() leaves no child behind.

import { awaitDecoderReady, type DecoderReply, decodeWithProcess } from "./decoder-exchange.ts";
import { DecoderProcess, type DecoderProcessOptions } from "./decoder-process.ts";
import { abortError, EngineError } from "./errors.ts";

export interface PersistentDecoderSettings {
  /** Names the engine in errors, e.g. "PocketSphinx". */
  engineLabel: string;
  /**
   * How to start a decoder, asked before every spawn; may build or install
   * what the decoder needs first, and should give up when the signal aborts.
   */
  spawnOptions(signal: AbortSignal | undefined): Promise<DecoderProcessOptions>;
  /** Budget for spawning the decoder and loading the model, ms. */
  startTimeoutMs: number;
  /** How long close() lets the decoder finish before SIGKILL, ms. */
  closeGraceMs: number;
}

export interface DecodeRequest {
  pcm: Buffer;
  timeoutMs: number;
  /** Frame sent before the audio (per-request settings), for decoders that take one. */
  options?: Buffer;
  signal?: AbortSignal | undefined;
}

interface Job {
  request: DecodeRequest;
  resolve(reply: DecoderReply): void;
  reject(err: unknown): void;
  detach(): void;
}

export class PersistentDecoder {
  readonly #settings: PersistentDecoderSettings;
  readonly #queue: Job[] = [];
  readonly #live = new Set<DecoderProcess>();
  #current: DecoderProcess | undefined;
  #busy = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #starting: Promise<DecoderProcess> | undefined;
  #lastLoadMs: number | undefined;

  constructor(settings: PersistentDecoderSettings) {
    this.#settings = settings;
  }

  /** PID of the decoder currently serving requests, if one is running. */
  get pid(): number | undefined {
    return this.#current?.alive ? this.#current.pid : undefined;
  }

  /** Model load time reported by the most recently started decoder. */
  get lastLoadMs(): number | undefined {
    return this.#lastLoadMs;
  }

  get closed(): boolean {
    return this.#closed;
  }

  closedError(): EngineError {
    return new EngineError("engine", `${this.#settings.engineLabel} engine is closed`, { retriable: false });
  }

  /** Starts the decoder ahead of the first segment; resolves to the model load time. */
  async start(signal?: AbortSignal): Promise<number> {
    await this.#ensureProcess(signal);
    return this.#lastLoadMs ?? 0;
  }

  decode(request: DecodeRequest): Promise<DecoderReply> {
    if (this.#closed) return Promise.reject(this.closedError());
    const { signal } = request;
    if (signal?.aborted) return Promise.reject(abortError(signal));
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
        request,
        resolve,
        reject,
        detach: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(job);
      this.#pump();
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  #pump(): void {
    if (this.#busy) return;
    const job = this.#queue.shift();
    if (!job) return;
    this.#busy = true;
    job.detach();
    this.#run(job.request)
      .then(job.resolve, job.reject)
      .finally(() => {
        this.#busy = false;
        this.#pump();
      });
  }

  async #run(request: DecodeRequest): Promise<DecoderReply> {
    const proc = await this.#ensureProcess(request.signal);
    if (this.#closed) throw this.closedError();
    return decodeWithProcess(proc, request.pcm, {
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      ...(request.options ? { options: request.options } : {}),
    });
  }

  #ensureProcess(signal: AbortSignal | undefined): Promise<DecoderProcess> {
    if (this.#starting) return this.#starting;
    if (this.#current?.alive) return Promise.resolve(this.#current);
    // Shared so that start() racing the first decode() spawns one decoder.
    this.#starting = this.#spawn(signal).finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #spawn(signal: AbortSignal | undefined): Promise<DecoderProcess> {
    const options = await this.#settings.spawnOptions(signal);
    // Checked after the await: close() may have run while the decoder was prepared.
    if (this.#closed) throw this.closedError();
    const proc = new DecoderProcess(options);
    this.#current = proc;
    this.#live.add(proc);
    void proc.exited.then(() => {
      this.#live.delete(proc);
      if (this.#current === proc) this.#current = undefined;
    });
    try {
      this.#lastLoadMs = await awaitDecoderReady(proc, { timeoutMs: this.#settings.startTimeoutMs, signal });
    } catch (err) {
      // A refused or failed start (a model that fails its hash check, a
      // timeout) is over only once the child is gone: no decoder outlives it.
      proc.kill();
      await proc.exited;
      throw err;
    }
    return proc;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) {
      job.detach();
      job.reject(this.closedError());
    }
    await Promise.all([...this.#live].map((proc) => proc.shutdown(this.#settings.closeGraceMs)));
  }
}
