export * from "./config.ts";
export * from "./backpressure.ts";
export * from "./processor.ts";
export { DECODER_MEMORY_BYTES, type EngineFactory } from "./engine-pool.ts";
export { classifyFailure } from "./failure-class.ts";
export type { AsrEngine, AudioInput, EngineResult, EngineWord, TranscribeOptions } from "./engines/engine.ts";
export { EngineError, isEngineError } from "./engines/errors.ts";
export { createEngine, ASR_ENGINE_NAMES, isAsrEngineName, type AsrEngineName } from "./engines/create-engine.ts";
export { sanitizeWords, shiftWords } from "./sanitize.ts";
