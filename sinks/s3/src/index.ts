// Public API of @lingostream/sink-s3: start the sink, its settings, and the
// pure pieces (key layout, formats, subtitles, assembly) other tools may reuse.

export { type AssembledTranscript, assembleTranscript, type JobMeta, type SegmentSlot } from "./assembler.ts";
export { loadSinkConfig, resolveSinkOptions, resultQuotaBytes, type SinkConfig, type SinkOptions, sinkSpec } from "./config.ts";
export { type Cue, CueBuilder, type CueOptions, defaultCueOptions, groupWordsIntoCues } from "./cues.ts";
export { archiveLine, encodeJsonLines, parseJsonLines, type RecordCoordinates } from "./format.ts";
export {
  archiveKey,
  completedKey,
  failedKey,
  type JobRef,
  jobMetaKey,
  requestedKey,
  segmentKey,
  type TranscriptKeys,
  transcriptKeys,
} from "./keys.ts";
export { createSinkMetrics, type SinkMetrics } from "./metrics.ts";
export { type FlushLimits, PartitionWriter, type ResultRecord, type RotateOutcome, type WriterState } from "./partition-writer.ts";
export { startS3Sink } from "./service.ts";
export { formatSrtTimestamp, renderSrt } from "./srt.ts";
export { createS3Storage, type SinkStorage } from "./storage.ts";
export { formatVttTimestamp, renderVtt } from "./vtt.ts";
