export * from "./config.ts";
export { DECODER_MEMORY_BYTES, type EngineFactory } from "./engine-pool.ts";
export { ASR_ENGINE_NAMES, type AsrEngineName, createEngine, isAsrEngineName } from "./engines/create-engine.ts";
export type { AsrEngine, AudioInput, EngineResult, EngineWord, TranscribeOptions } from "./engines/engine.ts";
export { EngineError, isEngineError } from "./engines/errors.ts";
export { classifyFailure } from "./failure-class.ts";
export * from "./service.ts";
export { sanitizeWords, shiftWords } from "./sanitize.ts";
