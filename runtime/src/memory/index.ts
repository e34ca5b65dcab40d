// Public API of the memory subsystem: sampling, limits, levels, trend, the
// governor workers obey, audio handle ownership and the pressure subscriber.

export * from "./audio-handles.ts";
export * from "./backpressure.ts";
export * from "./buffer-pool.ts";
export * from "./cgroup.ts";
export * from "./classifier.ts";
export * from "./clock.ts";
export * from "./config.ts";
export * from "./governor.ts";
export * from "./levels.ts";
export * from "./local-sampling.ts";
export * from "./meminfo.ts";
export * from "./metrics.ts";
export * from "./pressure-subscriber.ts";
export * from "./psi.ts";
export * from "./read-text.ts";
export * from "./sampler.ts";
export * from "./trend.ts";
export * from "./usage.ts";
