// Settings of the S3 sink; every field documents its default and unit. The cli
// loads them with loadSinkConfig(env); tests pass SinkOptions directly.

import {
  type Backpressure,
  bool,
  bytes,
  type ConfigOf,
  defaultRetryPolicy,
  type Env,
  fullSpeed,
  int,
  loadConfig,
  type RetryPolicy,
  str,
  tenantTable,
} from "@lingostream/runtime";
import type { CueOptions } from "./cues.ts";

const MiB = 1024 * 1024;
const DAY_MS = 86_400_000;

export const sinkSpec = {
  groupId: str({ env: "LINGOSTREAM_SINK_GROUP", doc: "consumer group of the S3 sink", default: "lingostream-sink" }),
  flushRecords: int({ env: "LINGOSTREAM_SINK_FLUSH_RECORDS", doc: "results buffered per partition before a rotation", default: 500, min: 1, max: 1_000_000 }),
  flushBytes: bytes({ env: "LINGOSTREAM_SINK_FLUSH_BYTES", doc: "result bytes buffered per partition before a rotation", default: 4 * MiB }),
  flushIntervalMs: int({ env: "LINGOSTREAM_SINK_FLUSH_INTERVAL_MS", doc: "oldest buffered result's age before a rotation, ms (also the longest a finished job waits for its transcript)", default: 1000, min: 10 }),
  maxBufferBytes: bytes({
    env: "LINGOSTREAM_SINK_MAX_BUFFER_BYTES",
    doc: "result-memory quota across all partitions; past it the fullest buffers rotate early; 0 = 20% of the effective memory limit",
    default: 0,
  }),
  tenants: tenantTable({
    env: "LINGOSTREAM_TENANTS",
    doc: "per-tenant settings (see the segmenter's entry); the sink divides LINGOSTREAM_SINK_MAX_BUFFER_BYTES among the tenants with results buffered, by weight, and writes a tenant's buffers early past its part",
  }),
  uploadConcurrency: int({ env: "LINGOSTREAM_SINK_UPLOAD_CONCURRENCY", doc: "per-segment objects uploaded at once per rotation", default: 8, min: 1, max: 256 }),
  partitionsConsumedConcurrently: int({
    env: "LINGOSTREAM_SINK_PARTITION_CONCURRENCY",
    doc: "partitions handled at once, so one slow partition does not hold up the others",
    default: 3,
    min: 1,
    max: 64,
  }),
  sessionTimeoutMs: int({ env: "LINGOSTREAM_SINK_SESSION_TIMEOUT_MS", doc: "Kafka consumer session timeout, ms", default: 30_000, min: 6000 }),
  heartbeatIntervalMs: int({ env: "LINGOSTREAM_SINK_HEARTBEAT_MS", doc: "heartbeat period during long writes, ms", default: 3000, min: 100 }),
  maxSegmentObjectBytes: bytes({ env: "LINGOSTREAM_SINK_MAX_SEGMENT_BYTES", doc: "largest per-segment object read back during assembly", default: 8 * MiB }),
  jobCacheSize: int({ env: "LINGOSTREAM_SINK_JOB_CACHE", doc: "job.json entries kept in memory (LRU)", default: 10_000, min: 1 }),
  drainTimeoutMs: int({ env: "LINGOSTREAM_SINK_DRAIN_TIMEOUT_MS", doc: "how long stop() keeps retrying S3 to write buffers before it drops them, ms", default: 30_000, min: 0 }),
  fromBeginning: bool({ env: "LINGOSTREAM_SINK_FROM_BEGINNING", doc: "a new group starts at the earliest offsets rather than the latest", default: true }),
  failedAudioRetentionMs: int({
    env: "LINGOSTREAM_SINK_FAILED_AUDIO_RETENTION_MS",
    doc: "how long a completed job keeps the audio of its dead-lettered segments for replay, ms (default: the retention of asr.segments.failed, 90 days)",
    default: 90 * DAY_MS,
    min: 0,
    // Far enough for any policy, near enough that expiry dates stay four-digit years.
    max: 100 * 365 * DAY_MS,
  }),
  audioSweepIntervalMs: int({
    env: "LINGOSTREAM_SINK_AUDIO_SWEEP_INTERVAL_MS",
    doc: "how often the sink deletes kept audio whose retention has passed (also once at start), ms",
    default: 3_600_000,
    min: 10,
  }),
};

export type SinkConfig = ConfigOf<typeof sinkSpec>;

export interface SinkOptions extends Partial<SinkConfig> {
  /** The process's memory backpressure: an unset quota (0) is a share of its limitBytes (default: fullSpeed, the machine's memory). */
  backpressure?: Backpressure;
  /** Backoff for S3 calls; tests pass a fast one. */
  retryPolicy?: RetryPolicy;
  cueOptions?: Partial<CueOptions>;
  /** Injected clock for buffer ages, ms. */
  clock?: () => number;
}

export type ResolvedSinkOptions = SinkConfig & { retryPolicy: RetryPolicy; cueOptions: Partial<CueOptions>; clock: () => number; backpressure?: Backpressure };

export function loadSinkConfig(env: Env): SinkConfig {
  return loadConfig(sinkSpec, env);
}

/** The share of the effective memory limit that buffered results may use (see docs/architecture.md, "Memory model"). */
export function resultQuotaBytes(effectiveLimitBytes: number, share = 0.2): number {
  return Math.max(MiB, Math.floor(effectiveLimitBytes * share));
}

export function resolveSinkOptions(options: SinkOptions = {}): ResolvedSinkOptions {
  const defaults = Object.fromEntries(Object.entries(sinkSpec).map(([k, f]) => [k, f.default])) as SinkConfig;
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SinkOptions;
  const resolved = { ...defaults, retryPolicy: defaultRetryPolicy, cueOptions: {}, clock: Date.now, ...defined };
  // The backpressure contract as the sink applies it: buffered results stay under a share of the memory limit.
  const maxBufferBytes = resolved.maxBufferBytes || resultQuotaBytes((options.backpressure ?? fullSpeed).limitBytes);
  return { ...resolved, maxBufferBytes };
}
