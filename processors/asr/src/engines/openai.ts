// Any OpenAI-compatible transcription server (OpenAI, whisper.cpp server,
// faster-whisper-server, vLLM, LocalAI...) via POST /v1/audio/transcriptions.

import { encodeWav } from "@lingostream/runtime";
import type { AsrEngine, AudioInput, EngineResult, EngineWord, TranscribeOptions } from "./engine.ts";
import { abortError, EngineError } from "./errors.ts";

export interface OpenAiEngineOptions {
  /** Server root without /v1, e.g. https://api.openai.com or http://127.0.0.1:8000. */
  baseUrl: string;
  apiKey?: string | undefined;
  /** Default whisper-1. */
  model?: string | undefined;
  /** Whole-request budget; default 120 s. */
  timeoutMs?: number | undefined;
  /** For tests and proxies; default global fetch. */
  fetch?: typeof fetch;
}

const DEFAULT_MODEL = "whisper-1";
const DEFAULT_TIMEOUT_MS = 120_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function finite(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Maps a verbose_json body onto an EngineResult; exported for tests. */
export function mapTranscriptionResponse(body: unknown, requestedLanguage: string): EngineResult {
  if (!isRecord(body)) throw new EngineError("engine", "transcription response is not a JSON object", { retriable: false });
  const text = typeof body.text === "string" ? body.text.trim() : "";
  const words: EngineWord[] = [];
  if (Array.isArray(body.words)) {
    for (const raw of body.words) {
      if (!isRecord(raw) || typeof raw.word !== "string") continue;
      const word: EngineWord = { text: raw.word };
      const start = finite(raw.start);
      const end = finite(raw.end);
      // Some servers (whisper.cpp, faster-whisper) add per-word probability.
      const confidence = finite(raw.probability) ?? finite(raw.confidence);
      if (start !== undefined) word.start = start;
      if (end !== undefined) word.end = end;
      if (confidence !== undefined) word.confidence = confidence;
      words.push(word);
    }
  } else if (text) {
    // Servers without word timestamps: keep the words, let sanitizeWords place them.
    for (const token of text.split(/\s+/)) words.push({ text: token });
  }
  const requested = requestedLanguage.trim();
  const language =
    requested && requested !== "auto" ? requested : typeof body.language === "string" ? body.language : "und";
  return { language, words, text: text || words.map((w) => w.text.trim()).join(" ") };
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** HTTP status to error class: overload and server faults may pass, client errors will not. */
export function classifyHttpStatus(status: number, detail: string, retryAfter?: string | null): EngineError {
  const message = `transcription server answered HTTP ${status}${detail ? `: ${detail}` : ""}`;
  const wait = retryAfterMs(retryAfter ?? null);
  const extra = wait === undefined ? {} : { retryAfterMs: wait };
  if (status === 408) return new EngineError("timeout", message, extra);
  if (status === 429 || status >= 500) return new EngineError("engine", message, { retriable: true, ...extra });
  return new EngineError("engine", message, { retriable: false });
}

export class OpenAiEngine implements AsrEngine {
  readonly name: string = "openai";
  readonly #endpoint: string;
  readonly #options: OpenAiEngineOptions;
  readonly #inflight = new Set<AbortController>();
  #closed = false;

  constructor(options: OpenAiEngineOptions) {
    if (!options.baseUrl) throw new Error("openai engine needs a baseUrl (e.g. https://api.openai.com)");
    this.#options = options;
    this.#endpoint = `${options.baseUrl.replace(/\/+$/, "")}/v1/audio/transcriptions`;
  }

  async transcribe(audio: AudioInput, opts: TranscribeOptions): Promise<EngineResult> {
    if (this.#closed) throw new EngineError("engine", "openai engine is closed", { retriable: false });
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const timeoutMs = this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const form = new FormData();
    form.append("file", new Blob([encodeWav(audio.pcm, audio.sampleRate, 1)], { type: "audio/wav" }), "audio.wav");
    form.append("model", this.#options.model ?? DEFAULT_MODEL);
    if (opts.language && opts.language !== "auto") form.append("language", opts.language);
    form.append("response_format", "verbose_json");
    form.append("timestamp_granularities[]", "word");
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#options.apiKey) headers.authorization = `Bearer ${this.#options.apiKey}`;

    const closer = new AbortController();
    const timeout = AbortSignal.timeout(timeoutMs);
    const signals = [timeout, closer.signal, ...(opts.signal ? [opts.signal] : [])];
    this.#inflight.add(closer);
    try {
      const res = await (this.#options.fetch ?? fetch)(this.#endpoint, {
        method: "POST",
        body: form,
        headers,
        signal: AbortSignal.any(signals),
      });
      const bodyText = await res.text();
      if (!res.ok) throw classifyHttpStatus(res.status, bodyText.slice(0, 300).trim(), res.headers.get("retry-after"));
      let body: unknown;
      try {
        body = JSON.parse(bodyText);
      } catch (err) {
        throw new EngineError("engine", `transcription server sent non-JSON: ${bodyText.slice(0, 200)}`, {
          retriable: false,
          cause: err,
        });
      }
      return mapTranscriptionResponse(body, opts.language);
    } catch (err) {
      if (err instanceof EngineError) throw err;
      if (opts.signal?.aborted) throw abortError(opts.signal);
      if (closer.signal.aborted) throw new EngineError("engine", "openai engine closed mid-request", { cause: err });
      if (timeout.aborted) {
        throw new EngineError("timeout", `transcription server did not answer within ${timeoutMs} ms`, { cause: err });
      }
      // fetch rejects with TypeError for DNS, refused and reset connections.
      const detail = err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ""}` : String(err);
      throw new EngineError("engine", `transcription request to ${this.#endpoint} failed: ${detail}`, {
        retriable: true,
        cause: err,
      });
    } finally {
      this.#inflight.delete(closer);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const controller of this.#inflight) controller.abort();
  }
}
