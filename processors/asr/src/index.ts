export * from "./config.ts";
export * from "./backpressure.ts";
export * from "./processor.ts";
export type { EngineFactory } from "./engine-pool.ts";
export { classifyFailure } from "./failure-class.ts";
