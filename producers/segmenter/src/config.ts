// Settings of the segmenter; every field documents its default and unit.

import { bytes, int, num, str, type ConfigOf, type Field } from "@lingostream/runtime";
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
  minSilenceSeconds: num({ env: "LINGOSTREAM_SILENCE_MIN_SECONDS", doc: "shortest silence to cut in, s", default: 0.5, min: 0 }),
  inlineAudioBytes: bytes({ env: "LINGOSTREAM_INLINE_AUDIO_BYTES", doc: "segments up to this size also ride inline in the event (0 = never)", default: 0 }),
  probeTimeoutMs: int({ env: "LINGOSTREAM_PROBE_TIMEOUT_MS", doc: "ffprobe time limit, ms", default: 30_000, min: 1000 }),
};

export type SegmenterConfig = ConfigOf<typeof segmenterSpec>;
