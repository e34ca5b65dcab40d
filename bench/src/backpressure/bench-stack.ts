// What every part of the backpressure benchmark runs on: an isolated corner of
// the local stack (testkit's stack context: topics, groups and subjects of its
// own, removed afterwards), a quiet logger, a backlog of segment events, and
// ASR processors on the deterministic engine.

import { asrSpec, createEngine, type EngineFactory } from "@lingostream/asr";
import { createLogger, createMetricsRegistry, encodeWav, loadConfig, type ServiceContext } from "@lingostream/runtime";
import { createStackContext, type StackContext } from "@lingostream/testkit";
import { SAMPLE_RATE, syntheticPcm } from "../fixtures/audio.ts";
import { audioSegmentEvent, produceAll, segmentAudioPrefix } from "../fixtures/events.ts";

export interface BenchStack {
  /** The stack's context with a logger that keeps the benchmark's output to its figures. */
  ctx: ServiceContext;
  env: NodeJS.ProcessEnv;
  prefix: string;
}

/** Runs `fn` on topics of its own, so no part consumes another's backlog; everything is removed afterwards. */
export async function withBenchStack<T>(part: string, fn: (stack: BenchStack) => Promise<T>): Promise<T> {
  const stack: StackContext = await createStackContext(`bench-bp-${part}`, { partitions: 2 });
  try {
    const logger = createLogger({ level: process.env.LOG_LEVEL ?? "error", name: "bench-backpressure" });
    return await fn({ ctx: { ...stack.ctx, logger }, env: stack.env, prefix: stack.prefix });
  } finally {
    await stack.cleanup();
  }
}

/** The context with a metrics registry of its own: each service registers its metrics once per registry. */
export function withOwnMetrics(ctx: ServiceContext): ServiceContext {
  return { ...ctx, metrics: createMetricsRegistry() };
}

/**
 * One stored WAV of `seconds` of synthetic speech and `count` segment events
 * pointing at it, under the tenant's segment audio as processors require.
 * Resolves to the WAV's key, for the caller to delete.
 */
export async function publishSegments(stack: BenchStack, jobId: string, count: number, seconds: number): Promise<string> {
  const { ctx } = stack;
  const key = `${segmentAudioPrefix(jobId)}source.wav`;
  const audio = await ctx.store.put(key, encodeWav(syntheticPcm(seconds, 1), SAMPLE_RATE, 1), "audio/wav");
  await produceAll(
    ctx,
    "segments",
    count,
    (index) => ({ ...audioSegmentEvent(ctx, jobId, index, audio, "deterministic"), startSeconds: index * seconds, endSeconds: (index + 1) * seconds }),
    (index) => `${jobId}-${String(index).padStart(6, "0")}`,
  );
  return key;
}

/** ASR settings on the stack's topics, with a group of the part's own and the deterministic engine. */
export function asrConfig(stack: Pick<BenchStack, "env" | "prefix">, group: string, overrides: Record<string, string> = {}) {
  return loadConfig(asrSpec, { ...stack.env, LINGOSTREAM_ASR_GROUP: `${stack.prefix}${group}`, LINGOSTREAM_ASR_ENGINE: "deterministic", ...overrides });
}

/** The deterministic engine with a simulated cost per second of audio. */
export function deterministicEngines(delayMsPerAudioSecond: number): EngineFactory {
  return (name) => createEngine(name, { deterministic: { delayMsPerAudioSecond } });
}
