// Wire format of native/ps-decoder.c (persistent and per-spawn PocketSphinx) and
// python/whisper_decoder.py. Requests: u32 LE byte length + s16le PCM (length 0 =
// exit); the whisper decoder takes a JSON options frame before each PCM frame.
// Replies: one JSON line each, preceded by a single "ready" line.

import type { AudioInput, EngineWord } from "./engine.ts";
import { EngineError } from "./errors.ts";

/** The en-us acoustic model is trained on 16 kHz audio; nothing else decodes sensibly. */
export const DECODER_SAMPLE_RATE = 16_000;

/** Mirrors MAX_REQUEST_BYTES in ps-decoder.c (about 2.3 h of audio). */
export const MAX_DECODER_REQUEST_BYTES = 256 * 1024 * 1024;

export const DECODER_EXIT_FRAME: Buffer = Buffer.alloc(4);

export type DecoderLine =
  | { kind: "ready"; loadMs: number }
  | { kind: "result"; words: EngineWord[]; text: string; language?: string }
  | {
      kind: "error";
      message: string;
      /**
       * The decoder's own verdict where it gives one: "decode" is about the
       * request, "engine" about the process (it is replaced), "config" about
       * its setup. ps-decoder gives none.
       */
      errorClass?: "decode" | "engine" | "config";
    };

const errorClasses = new Set(["decode", "engine", "config"]);

export function encodeDecoderHeader(byteLength: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32LE(byteLength, 0);
  return header;
}

/** Rejects audio the decoder cannot handle before it costs a round trip. */
export function checkDecoderAudio(audio: AudioInput, engine = "PocketSphinx"): void {
  if (audio.sampleRate !== DECODER_SAMPLE_RATE) {
    throw new EngineError(
      "decode",
      `${engine} needs ${DECODER_SAMPLE_RATE} Hz mono audio, got ${audio.sampleRate} Hz; resample upstream`,
    );
  }
  if (audio.pcm.length % 2 !== 0) {
    throw new EngineError("decode", `PCM length ${audio.pcm.length} is odd; expected s16le samples`);
  }
  if (audio.pcm.length > MAX_DECODER_REQUEST_BYTES) {
    throw new EngineError(
      "decode",
      `segment of ${audio.pcm.length} bytes exceeds the decoder limit of ${MAX_DECODER_REQUEST_BYTES}`,
    );
  }
}

const englishTags = new Set(["", "auto", "en", "eng", "english"]);

/** The bundled model is US English only; any other request is a routing mistake. */
export function resolveDecoderLanguage(language: string): string {
  const tag = language.trim().toLowerCase();
  if (englishTags.has(tag) || tag.startsWith("en-") || tag.startsWith("en_")) return "en";
  throw new EngineError("decode", `PocketSphinx model is English only; cannot transcribe language "${language}"`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function finite(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function malformed(line: string): EngineError {
  return new EngineError("engine", `malformed decoder reply: ${line.slice(0, 200)}`, { retriable: false });
}

export function parseDecoderLine(line: string): DecoderLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    throw new EngineError("engine", `decoder wrote non-JSON: ${line.slice(0, 200)}`, { retriable: false, cause: err });
  }
  if (!isRecord(parsed)) throw malformed(line);
  if (typeof parsed.error === "string") {
    const errorClass = parsed.class;
    if (typeof errorClass === "string" && errorClasses.has(errorClass)) {
      return { kind: "error", message: parsed.error, errorClass: errorClass as "decode" | "engine" | "config" };
    }
    return { kind: "error", message: parsed.error };
  }
  if (parsed.ready === true) return { kind: "ready", loadMs: finite(parsed.load_ms) ?? 0 };
  if (!Array.isArray(parsed.words)) throw malformed(line);
  const words: EngineWord[] = [];
  for (const raw of parsed.words) {
    if (!isRecord(raw) || typeof raw.text !== "string") throw malformed(line);
    const word: EngineWord = { text: raw.text };
    const start = finite(raw.start);
    const end = finite(raw.end);
    const confidence = finite(raw.confidence);
    if (start !== undefined) word.start = start;
    if (end !== undefined) word.end = end;
    if (confidence !== undefined) word.confidence = confidence;
    words.push(word);
  }
  const text = typeof parsed.text === "string" ? parsed.text : words.map((w) => w.text).join(" ");
  if (typeof parsed.language === "string" && parsed.language) return { kind: "result", words, text, language: parsed.language };
  return { kind: "result", words, text };
}
