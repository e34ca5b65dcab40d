// Builds real AudioSegment events for tests: WAV audio put in S3, the claim
// check pointing at it, the event produced to the test's segments topic.

import { encodeWav, loadConfig, type ServiceContext } from "@lingostream/runtime";
import type { AudioSegment } from "@lingostream/schemas";
import { asrSpec } from "../../src/config.ts";

export async function publishSegment(ctx: ServiceContext, jobId: string, index: number, pcm: Buffer, overrides: Partial<AudioSegment> = {}): Promise<AudioSegment> {
  const [segment] = await publishSegments(ctx, [{ jobId, index, pcm, overrides }]);
  return segment!;
}

/** Several segments through one producer, in the order given. */
export async function publishSegments(ctx: ServiceContext, specs: Array<{ jobId: string; index: number; pcm: Buffer; overrides?: Partial<AudioSegment> }>): Promise<AudioSegment[]> {
  const segments: AudioSegment[] = [];
  for (const { jobId, index, pcm, overrides = {} } of specs) segments.push(await storeSegment(ctx, jobId, index, pcm, overrides));
  await ctx.serde.register("segments");
  const producer = ctx.kafka.producer();
  await producer.connect();
  try {
    for (const segment of segments) {
      await producer.send({ topic: ctx.topics.segments, messages: [{ key: segment.segmentId, value: await ctx.serde.encode("segments", segment) }] });
    }
  } finally {
    await producer.disconnect();
  }
  return segments;
}

async function storeSegment(ctx: ServiceContext, jobId: string, index: number, pcm: Buffer, overrides: Partial<AudioSegment>): Promise<AudioSegment> {
  const wav = encodeWav(pcm, 16000, 1);
  const key = `segments/${overrides.tenant ?? "test"}/${jobId}/${String(index).padStart(6, "0")}.wav`;
  const stored = await ctx.store.put(key, wav, "audio/wav");
  const segment: AudioSegment = {
    tenant: "test",
    jobId,
    segmentId: `${jobId}-${String(index).padStart(6, "0")}`,
    index,
    startSeconds: index * 30,
    endSeconds: index * 30 + pcm.byteLength / 32000,
    language: "en",
    engine: "deterministic",
    attempt: 1,
    claimCheck: { bucket: ctx.store.bucket, key, byteSize: stored.byteSize, sha256: stored.sha256, sampleRate: 16000, channels: 1, encoding: "wav/pcm_s16le" },
    inlineAudio: null,
    producerId: "test",
    eventTime: Date.now(),
    firstFailureTime: null,
    ...overrides,
  };
  return segment;
}

export function asrTestConfig(env: NodeJS.ProcessEnv, overrides: Record<string, string> = {}) {
  return loadConfig(asrSpec, { ...env, ...overrides });
}

/** Collects every decoded value on a topic from the beginning, until stopped. */
export async function collectTopic<T>(ctx: ServiceContext, topic: string): Promise<{ values: T[]; stop(): Promise<void> }> {
  const values: T[] = [];
  const consumer = ctx.kafka.consumer({ groupId: `collect-${topic}-${Math.random().toString(36).slice(2)}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      if (message.value) values.push((await ctx.serde.decode(message.value)).value as T);
    },
  });
  return { values, stop: () => consumer.disconnect() };
}
