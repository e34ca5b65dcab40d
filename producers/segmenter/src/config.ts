// Settings of the segmenter; every field documents its default and unit.

import { asrGroupField, bytes, type ConfigOf, type Field, int, num, str, tenantTable } from "@lingostream/runtime";
import { parseSourceKinds, type SourceKind } from "./source-policy.ts";

const sources: Field<SourceKind[]> = {
  env: "LINGOSTREAM_SEGMENTER_SOURCES",
  doc: "job source kinds this segmenter opens: s3, file (its own disk), http; cluster workers are best left to s3",
  default: ["s3", "file"],
  accepts: "a comma-separated list of s3, file, http",
  parse: parseSourceKinds,
};

export const segmenterSpec = {
  sources,
  groupId: str({ env: "LINGOSTREAM_SEGMENTER_GROUP", doc: "consumer group of the segmenters (reads JobRequested)", default: "lingostream-segmenter" }),
  targetSeconds: num({ env: "LINGOSTREAM_SEGMENT_TARGET_SECONDS", doc: "preferred segment length, s", default: 30, min: 1 }),
  searchWindowSeconds: num({ env: "LINGOSTREAM_SEGMENT_WINDOW_SECONDS", doc: "look for a silence within target ± this, s", default: 5, min: 0 }),
  maxSeconds: num({ env: "LINGOSTREAM_SEGMENT_MAX_SECONDS", doc: "hard maximum segment length, s", default: 45, min: 1 }),
  silenceThresholdDb: num({ env: "LINGOSTREAM_SILENCE_THRESHOLD_DB", doc: "frames quieter than this are silence, dBFS", default: -30, max: 0 }),
  // Far below the cut threshold: that one finds pauses, this one decides nobody speaks (see silence.ts).
  silentSegmentDb: num({
    env: "LINGOSTREAM_SILENT_SEGMENT_DB",
    doc: "a segment whose every 20 ms frame is quieter than this gets an empty result without running the engine, dBFS",
    default: -60,
    max: 0,
  }),
  minSilenceSeconds: num({ env: "LINGOSTREAM_SILENCE_MIN_SECONDS", doc: "shortest silence to cut in, s", default: 0.5, min: 0 }),
  inlineAudioBytes: bytes({ env: "LINGOSTREAM_INLINE_AUDIO_BYTES", doc: "segments up to this size also ride inline in the event (0 = never)", default: 0 }),
  // 48 h: a real backlog holds day-long recordings (court and council sessions,
  // 24 h broadcast logging files, multi-day conference tracks), so 12 or 24 h
  // would refuse real work; a job longer than two days is better split by its owner.
  maxMediaSeconds: num({
    env: "LINGOSTREAM_SEGMENTER_MAX_MEDIA_SECONDS",
    doc: "longest media one job may have, s (checked from the probe before any audio is written; per tenant: LINGOSTREAM_TENANTS maxMediaSeconds)",
    default: 48 * 3600,
    min: 1,
  }),
  // 32 GiB: 48 h of 48 kHz stereo is 31 GiB of 16-bit PCM, so the duration
  // limit binds first for ordinary media; what this one stops is high-rate
  // multichannel media (8 channels at 96 kHz reach it in 6 h), whose decoding
  // costs that many times more than the 16 kHz mono that is kept.
  maxDecodedBytes: bytes({
    env: "LINGOSTREAM_SEGMENTER_MAX_DECODED_BYTES",
    doc: "most PCM one job's media may decode to at its own rate and channels, 16-bit (per tenant: LINGOSTREAM_TENANTS maxDecodedBytes)",
    default: 32 * 1024 ** 3,
  }),
  tenants: tenantTable({
    env: "LINGOSTREAM_TENANTS",
    doc: "per-tenant settings, tenant:key=value,…;… with keys weight (share of ASR capacity), maxInFlight (segments at once per ASR worker), maxMediaSeconds, maxDecodedBytes; tenants not named get the defaults; read at start",
  }),
  // 20,000 segments (about 167 audio hours at 30 s, 18 GiB of WAV claim checks).
  // One core of PocketSphinx, the slowest engine, transcribes them in under two
  // days (docs/capacity.md), far inside asr.segments' 7-day retention; the 7-day plan for
  // 100,000 hours (about 20 segments/s) still has a quarter of an hour of work
  // queued, which the segmenters, cutting far faster than real time, refill
  // long before it runs out.
  maxAhead: int({
    env: "LINGOSTREAM_SEGMENTER_MAX_AHEAD",
    doc: "segments on asr.segments the ASR group may have left to commit before the segmenter holds its next segment (it resumes below 90% of this; checked every 5 s); keeps a backlog from outrunning asr.segments' retention and filling S3 with claim checks (0 = unbounded)",
    default: 20_000,
    min: 0,
  }),
  asrGroupId: asrGroupField("consumer group of the ASR processors, whose lag on asr.segments LINGOSTREAM_SEGMENTER_MAX_AHEAD bounds (the ASR processor's own setting)"),
  probeTimeoutMs: int({ env: "LINGOSTREAM_PROBE_TIMEOUT_MS", doc: "ffprobe time limit, ms", default: 30_000, min: 1000 }),
};

export type SegmenterConfig = ConfigOf<typeof segmenterSpec>;
