// Settings of the ASR processor; every field documents its default and unit.

import { asrGroupField, availableCores, bytes, type ConfigOf, countOrAuto, type Field, int, oneOf, str, tenantTable, url } from "@lingostream/runtime";

import { ASR_ENGINE_NAMES, type AsrEngineName } from "./engines/create-engine.ts";
import { WHISPER_DEVICES } from "./engines/whisper.ts";

export const ENGINE_NAMES = ASR_ENGINE_NAMES;
export type EngineName = AsrEngineName;

/** An optional sha256 in hex, as sha256sum prints it. */
function sha256Hex(f: { env: string; doc: string; default: undefined }): Field<string | undefined> {
  return {
    ...f,
    accepts: "64 hexadecimal digits (a sha256 as sha256sum prints it)",
    parse(raw) {
      if (!/^[0-9a-f]{64}$/i.test(raw)) throw new Error("not a sha256");
      return raw.toLowerCase();
    },
  };
}

export const asrSpec = {
  engine: oneOf({
    env: "LINGOSTREAM_ASR_ENGINE",
    doc: "ASR engine used when a segment names none; pocketsphinx is the small-memory choice (about 100 MB per slot against whisper's 300–430 MB, at about four times the word error rate)",
    default: "whisper",
    values: ENGINE_NAMES,
  }),
  groupId: asrGroupField("consumer group of the ASR processors"),
  maxInFlight: countOrAuto({
    env: "LINGOSTREAM_ASR_MAX_IN_FLIGHT",
    doc: "segments transcribed at once per processor (one decoder each); auto: one per available core (CPU quota respected), less one per 8 cores when other roles share the process",
    default: "auto",
    min: 1,
    max: 256,
  }),
  segmentTimeoutMs: int({ env: "LINGOSTREAM_ASR_SEGMENT_TIMEOUT_MS", doc: "engine time limit per segment, ms", default: 120_000, min: 100 }),
  sessionTimeoutMs: int({ env: "LINGOSTREAM_ASR_SESSION_TIMEOUT_MS", doc: "Kafka consumer session timeout, ms", default: 30_000, min: 6000 }),
  heartbeatIntervalMs: int({ env: "LINGOSTREAM_ASR_HEARTBEAT_MS", doc: "heartbeat period while a segment is transcribed, ms", default: 3000, min: 100 }),
  maxSegmentBytes: bytes({ env: "LINGOSTREAM_ASR_MAX_SEGMENT_BYTES", doc: "largest segment audio accepted (larger is dead-lettered as oversize)", default: 16 * 1024 * 1024 }),
  deterministicDelayMs: int({
    env: "LINGOSTREAM_ASR_DETERMINISTIC_DELAY_MS",
    doc: "simulated cost of the deterministic engine (benchmarks, fault tests) per second of audio, ms",
    default: 0,
    min: 0,
    max: 60_000,
  }),
  tenants: tenantTable({
    env: "LINGOSTREAM_TENANTS",
    doc: "per-tenant settings (see the segmenter's entry); the ASR processor uses weight (share of its slots, by audio seconds) and maxInFlight (segments of the tenant at once per processor; more are held, not dropped)",
  }),
  maxAttempts: int({ env: "LINGOSTREAM_ASR_MAX_ATTEMPTS", doc: "tries per segment for retriable failures before it is dead-lettered", default: 3, min: 1, max: 20 }),
  whisperModel: str({
    env: "LINGOSTREAM_WHISPER_MODEL",
    doc: "model of the whisper engine: tiny.en (English-only) or base (multilingual; about twice tiny.en's CPU, 410 against 340 MiB per decoder), both from the engine's venv and checked against pinned hashes, or the path of a CTranslate2 Whisper model directory; nothing is ever downloaded",
    default: "tiny.en",
  }),
  whisperModelSha256: sha256Hex({
    env: "LINGOSTREAM_WHISPER_MODEL_SHA256",
    doc: "sha256 that model.bin of the LINGOSTREAM_WHISPER_MODEL directory must have: when set, a decoder refuses (non-retriable engine error) to load a directory whose model.bin differs; unset: a directory is not checked (tiny.en and base always are, against their own pinned hashes)",
    default: undefined,
  }),
  whisperDevice: oneOf({
    env: "LINGOSTREAM_WHISPER_DEVICE",
    doc: "where the whisper engine runs: cpu (int8), cuda (float16), or auto (cuda when CTranslate2 sees a GPU)",
    default: "auto",
    values: WHISPER_DEVICES,
  }),
  whisperThreads: countOrAuto({
    env: "LINGOSTREAM_WHISPER_THREADS",
    doc: "CPU threads per whisper decoder (CTranslate2 cpu_threads); auto: the available cores less one (left to the pipeline's own work) divided by the ASR slots, at least 1; so 1 with the default slots, and 1 with one slot on 2 cores",
    default: "auto",
    min: 1,
    max: 64,
  }),
  whisperPython: str({
    env: "LINGOSTREAM_WHISPER_PYTHON",
    doc: "Python with faster-whisper for the whisper engine; unset: the venv that processors/asr/python/ensure-venv.sh builds on first use in ~/.cache/lingostream/whisper-{hash of its requirements.txt}",
    default: undefined,
  }),
  openaiBaseUrl: url({ env: "OPENAI_BASE_URL", doc: "OpenAI-compatible server for the openai engine", default: "https://api.openai.com" }),
  openaiApiKey: str({ env: "OPENAI_API_KEY", doc: "API key for the openai engine (never logged)", default: undefined, secret: true }),
  openaiModel: str({ env: "OPENAI_MODEL", doc: "model name for the openai engine", default: "whisper-1" }),
};

export type AsrConfig = ConfigOf<typeof asrSpec>;

/**
 * The slot count "auto" stands for. Engines are CPU-bound, one core per
 * decoder; the segmenter's decoding, the sink and the Kafka clients need little
 * CPU beside them (an eighth of the cores is set aside for them when they
 * share the process). The memory governor lowers the slots in use under pressure.
 */
export function resolveSlots(setting: number | "auto", options: { cores?: number; sharesProcess?: boolean } = {}): number {
  if (setting !== "auto") return setting;
  const cores = options.cores ?? availableCores();
  const reserved = options.sharesProcess ? Math.floor(cores / 8) : 0;
  return Math.max(1, cores - reserved);
}

/**
 * CTranslate2 threads per whisper decoder that "auto" stands for: the cores
 * but one shared out among the slots, each slot being one decoder, at least 1.
 * The core left over is the pipeline's own (segmenter, Kafka clients, sink):
 * with one slot on 2 cores, a decoder given both cores' threads competed with
 * that work and the pipeline took 1.21 times the engine alone; with one thread
 * the one-slot pipeline got 1.16 times as much audio through per second as
 * with two (bench overhead, alternating runs). Whole decoders in
 * parallel use the cores better than threads within one: tiny.en on one
 * thread decodes 2.5 min of speech at 0.035x real time, on 2 threads at
 * 0.040x. With the default slots (one per core) this is 1.
 */
export function resolveWhisperThreads(setting: number | "auto", slots: number, cores: number = availableCores()): number {
  if (setting !== "auto") return setting;
  return Math.max(1, Math.floor((cores - 1) / Math.max(1, slots)));
}

const MiB = 1024 * 1024;

/**
 * What one whisper decoder holds at its peak, bytes, by model: the estimate the
 * ASR memory check admits for a decoder it has to start. Measured VmHWM of a
 * decoder on 30 s segments (bench engine; Python, CTranslate2 int8, the model,
 * Silero VAD) with about 15% headroom: tiny.en 340 MiB, base 410 MiB. A model
 * directory is sized as base, the larger bundled one; a larger model holds
 * more, which the check sees once its decoder runs.
 */
export function whisperDecoderMemoryBytes(model: string): number {
  return model === "tiny.en" ? 400 * MiB : 480 * MiB;
}
