// Generated from schemas/avro/*.avsc by schemas/scripts/generate-types.ts. Do not edit:
// change the .avsc files, then run `npm run gen:types -w @lingostream/schemas`.
// Shapes are what avsc (wrapUnions "auto") reads and writes: long is number, bytes is
// Buffer, ["null", T] is T | null, and a union of records is wrapped as { "<full name>": value }.

/** Value of topic asr.jobs (key: jobId). One job lifecycle event; a job's state is the fold of its events in offset order. */
export interface JobEvent {
  /** The lifecycle event. New event kinds are added as new union branches at the end, which stays BACKWARD compatible. */
  event:
    | { "io.lingostream.events.JobRequested": JobRequested }
    | { "io.lingostream.events.JobSegmented": JobSegmented }
    | { "io.lingostream.events.JobCompleted": JobCompleted }
    | { "io.lingostream.events.JobFailed": JobFailed }
    | { "io.lingostream.events.SegmentsReplayed": SegmentsReplayed };
}

/** A user asked for a media file to be transcribed. First event of every job. */
export interface JobRequested {
  /** Tenant that owns the job. */
  tenant: string;
  /** Job id, unique per tenant; also the message key. */
  jobId: string;
  /** Where the media lives: a local path or an s3://bucket/key URI. */
  source: string;
  /** Human-readable name of the media (e.g. the original file name), used to name transcripts. */
  sourceName: string;
  /** Spoken language as an ISO 639-1 code, or "auto" to let the engine detect it. */
  language: string;
  /** ASR engine (and model) the job asks for, e.g. "whisper-cpp:large-v3". */
  engine: string;
  /** Instance id of the producer that wrote this event. */
  producerId: string;
  /** When the event happened, epoch milliseconds (plain long so JavaScript gets a number). */
  eventTime: number;
  /** normal (bulk) or high (interactive): a high job's segments overtake the same tenant's normal ones. */
  priority?: Priority;
}

/** How urgently a job is wanted: high (interactive) work overtakes its own tenant's normal (bulk) work without starving it. */
export type Priority = "normal" | "high";

/** Symbols of Priority in schema order. */
export const PRIORITY_SYMBOLS: readonly Priority[] = ["normal", "high"];

/** The segmenter finished cutting the job's media: every AudioSegment of the job is on asr.segments before this event. */
export interface JobSegmented {
  /** Tenant that owns the job. */
  tenant: string;
  /** Job id, unique per tenant; also the message key. */
  jobId: string;
  /** Number of segments emitted; the job is complete when this many segments are transcribed or failed. */
  segmentCount: number;
  /** Total media duration in seconds. */
  durationSeconds: number;
  /** Instance id of the producer that wrote this event. */
  producerId: string;
  /** When the event happened, epoch milliseconds. */
  eventTime: number;
}

/** The sink assembled the job's final transcripts. Last event of a successful job. */
export interface JobCompleted {
  /** Tenant that owns the job. */
  tenant: string;
  /** Job id, unique per tenant; also the message key. */
  jobId: string;
  /** Number of segments the job was cut into (from JobSegmented). */
  segmentCount: number;
  /** Segments that ended as SegmentTranscribed. */
  transcribedCount: number;
  /** Segments that ended as SegmentFailed; their time ranges are missing from the transcripts. */
  failedCount: number;
  /** Object keys of the assembled transcripts in the sink's bucket. */
  transcriptKeys: TranscriptKeys;
  /** Instance id of the producer that wrote this event. */
  producerId: string;
  /** When the event happened, epoch milliseconds. */
  eventTime: number;
}

/** Object-store keys of one job's transcript files, one per format. */
export interface TranscriptKeys {
  /** Key of the word-timed JSON transcript. */
  json: string;
  /** Key of the SRT subtitles. */
  srt: string;
  /** Key of the WebVTT subtitles. */
  vtt: string;
}

/** A stage gave up on the whole job (e.g. media that cannot be decoded). Last event of a failed job; failures of single segments go to asr.segments.failed instead. */
export interface JobFailed {
  /** Tenant that owns the job. */
  tenant: string;
  /** Job id, unique per tenant; also the message key. */
  jobId: string;
  /** Stage that gave up, e.g. "segmenter" or "sink". */
  stage: string;
  /** Stable failure code of that stage, for tooling and metrics (e.g. "corrupt-media"). */
  reason: string;
  /** Human-readable reason (no stack trace). */
  message: string;
  /** Instance id of the producer that wrote this event. */
  producerId: string;
  /** When the event happened, epoch milliseconds. */
  eventTime: number;
}

/** An operator replayed dead-lettered segments of the job (lingostream replay): each was re-published to asr.segments with attempt + 1. A record of what was done, not a state change; readers that do not know it skip it. */
export interface SegmentsReplayed {
  /** Tenant that owns the job. */
  tenant: string;
  /** Job id, unique per tenant; also the message key. */
  jobId: string;
  /** Id of the replay run; one run may write several of these events (per job, and in chunks). */
  replayId: string;
  /** Segments of the job re-published by this event. */
  segmentIds: string[];
  /** Number of segments in segmentIds. */
  count: number;
  /** Instance id of the producer that wrote this event. */
  producerId: string;
  /** When the event happened, epoch milliseconds. */
  eventTime: number;
}

/** Value of topic asr.segments (key: segmentId). One unit of ASR work: a time range of a job's media whose audio sits in the object store (claim check). */
export interface AudioSegment {
  /** Tenant that owns the job. */
  tenant: string;
  /** Job the segment belongs to. */
  jobId: string;
  /** Segment id, unique within the job and stable across replays; also the message key. */
  segmentId: string;
  /** Zero-based position of the segment in the job's media. */
  index: number;
  /** Start of the segment in the media, seconds. */
  startSeconds: number;
  /** End of the segment in the media, seconds. */
  endSeconds: number;
  /** Spoken language as an ISO 639-1 code, or "auto". */
  language: string;
  /** ASR engine (and model) to transcribe with. */
  engine: string;
  /** 1 for the first try; a replay of a dead letter increments it. */
  attempt: number;
  /** Where the segment's audio is stored; the audio itself does not ride in Kafka. */
  claimCheck: ClaimCheck;
  /** The audio itself, only for segments under the inline size limit; when set it equals the claim-checked object and a worker may skip the download. */
  inlineAudio: Buffer | null;
  /** Instance id of the producer that wrote this event. */
  producerId: string;
  /** When the event happened, epoch milliseconds. */
  eventTime: number;
  /** When this segment first failed, epoch milliseconds, carried across retries and replays; null until it has failed once. */
  firstFailureTime: number | null;
  /** True when the segmenter found the whole segment below its silence threshold: a worker produces an empty result without running the engine. */
  silent?: boolean;
  /** The job's priority, carried to every segment so workers can order a tenant's segments by it. */
  priority?: Priority;
}

/** Reference to an object-store blob plus what a reader needs to verify and decode it. */
export interface ClaimCheck {
  /** Object-store bucket. */
  bucket: string;
  /** Object key within the bucket. */
  key: string;
  /** Size of the object in bytes, checked before download. */
  byteSize: number;
  /** SHA-256 of the object, lowercase hex, checked after download. */
  sha256: string;
  /** Audio sample rate in Hz. */
  sampleRate: number;
  /** Number of audio channels. */
  channels: number;
  /** Container and sample encoding, e.g. "wav/pcm_s16le". */
  encoding: string;
}

/** Value of topic asr.results (key: jobId). The sanitized transcript of one segment, timestamps already absolute in the job's media. */
export interface SegmentTranscribed {
  /** Tenant that owns the job. */
  tenant: string;
  /** Job the segment belongs to; also the message key, so one job's results meet in one partition. */
  jobId: string;
  /** Segment that was transcribed. */
  segmentId: string;
  /** Zero-based position of the segment in the job's media. */
  index: number;
  /** Start of the segment in the media, seconds. */
  startSeconds: number;
  /** End of the segment in the media, seconds. */
  endSeconds: number;
  /** Language of the transcript: the requested one, or the detected one when "auto" was asked. */
  language: string;
  /** ASR engine (and model) that produced the transcript. */
  engine: string;
  /** Full text of the segment. */
  text: string;
  /** Word timings in spoken order, after sanitizing. */
  words: Word[];
  /** Words removed by sanitizing (empty, over 30 characters, or without timestamps). */
  droppedWords: number;
  /** Attempt of the AudioSegment that produced this result. */
  attempt: number;
  /** Wall-clock time spent on the segment, download and engine included, in milliseconds. */
  processingMs: number;
  /** Instance id of the producer that wrote this event. */
  producerId: string;
  /** When the event happened, epoch milliseconds. */
  eventTime: number;
}

/** One recognized word with absolute timing. */
export interface Word {
  /** The word as recognized, punctuation attached. */
  text: string;
  /** Start time in seconds from the start of the media (not of the segment). */
  start: number;
  /** End time in seconds from the start of the media. */
  end: number;
  /** Engine confidence from 0 to 1. */
  confidence: number;
}

/** Value of topic asr.segments.failed (key: segmentId, or the original key when the message could not be decoded). A dead letter: why a message could not be processed and what is needed to replay it. */
export interface SegmentFailed {
  /** Tenant of the failed segment; empty when the original message could not be decoded. */
  tenant: string;
  /** Job of the failed segment; null when the original message could not be decoded. */
  jobId: string | null;
  /** Failed segment; null when the original message could not be decoded. */
  segmentId: string | null;
  /** The original segment as decoded, so a replay can re-emit it with attempt + 1; null when it could not be decoded. */
  segment: AudioSegment | null;
  /** Where the original message sits, so it can be inspected even when it could not be decoded. */
  source: SourceMessage;
  /** What kind of failure it was; drives the retry policy and the replay tooling. */
  errorClass: ErrorClass;
  /** Human-readable error message (no stack trace). */
  message: string;
  /** Whether replaying the segment unchanged may succeed (true for timeouts and transient engine errors). */
  retryable: boolean;
  /** Attempt that failed (the AudioSegment's attempt; 1 when it could not be decoded). */
  attempt: number;
  /** When this segment first failed, across attempts, epoch milliseconds. */
  firstFailureTime: number;
  /** When this attempt failed, epoch milliseconds. */
  lastFailureTime: number;
  /** Instance id of the worker that failed to process the segment. */
  workerId: string;
  /** Instance id of the producer that wrote this event. */
  producerId: string;
  /** When the event happened, epoch milliseconds. */
  eventTime: number;
}

/** Kafka coordinates of a message. */
export interface SourceMessage {
  /** Topic of the original message. */
  topic: string;
  /** Partition of the original message. */
  partition: number;
  /** Offset of the original message, as a decimal string (Kafka offsets are 64-bit). */
  offset: string;
}

/** Failure kinds. decode: the audio could not be decoded; engine: the ASR engine failed; timeout: the segment took too long; oversize: the audio or the event exceeded a limit; corrupt: the claim-checked audio is missing or fails its size or sha256 check; malformed: the event itself could not be decoded or is invalid; unknown: anything else, and what an older reader sees for a kind added later. */
export type ErrorClass = "decode" | "engine" | "timeout" | "oversize" | "corrupt" | "malformed" | "unknown";

/** Symbols of ErrorClass in schema order. */
export const ERROR_CLASS_SYMBOLS: readonly ErrorClass[] = ["decode", "engine", "timeout", "oversize", "corrupt", "malformed", "unknown"];

/** Value of compacted topic asr.memory.pressure (key: sourceId). One memory sample of a host or process with its classified level; the latest per sourceId is the current state every worker obeys. */
export interface MemoryPressure {
  /** What was sampled, stable across restarts (e.g. "<host>/<role>/<instanceId>"); also the message key. */
  sourceId: string;
  /** Host name of the sampled machine. */
  host: string;
  /** Instance id of the sampled process. */
  instanceId: string;
  /** Role of the sampled process, e.g. "asr", "segmenter", "sink", "pressure-monitor". */
  role: string;
  /** Classified level, with hysteresis applied. */
  level: PressureLevel;
  /** Why the sample was published: "heartbeat" (periodic) or "level-change". */
  reason: string;
  /** usedBytes / limitBytes, 0 to 1. */
  usedRatio: number;
  /** Memory in use against the effective limit, bytes. */
  usedBytes: number;
  /** Effective limit: the smaller of the cgroup limit and host memory, bytes. */
  limitBytes: number;
  /** Memory still available under the effective limit, bytes. */
  availableBytes: number;
  /** Resident set size of the sampled process, bytes. */
  rssBytes: number;
  /** V8 heap in use by the sampled process, bytes. */
  heapUsedBytes: number;
  /** Memory of C++ objects bound to JavaScript objects in the sampled process, bytes. */
  externalBytes: number;
  /** Memory of ArrayBuffers and Buffers in the sampled process (audio lives here), bytes. */
  arrayBuffersBytes: number;
  /** PSI memory "some" avg10 (percent of time some task stalled on memory, last 10 s); null where PSI is not available. */
  psiSomeAvg10: number | null;
  /** PSI memory "full" avg10 (percent of time all tasks stalled on memory, last 10 s); null where PSI is not available. */
  psiFullAvg10: number | null;
  /** Sampling interval of the monitor, milliseconds; a reader treats the state as stale after a few intervals without a sample. */
  sampleIntervalMs: number;
  /** Instance id of the producer that wrote this event. */
  producerId: string;
  /** When the sample was taken, epoch milliseconds. */
  eventTime: number;
}

/** Memory pressure levels in increasing severity. LOW: full speed; MODERATE: fewer segments in flight; HIGH: pause consumption, finish in-flight work; CRITICAL: pause, emergency cleanup, refuse new work. A reader that does not know a level added later sees HIGH. */
export type PressureLevel = "LOW" | "MODERATE" | "HIGH" | "CRITICAL";

/** Symbols of PressureLevel in schema order. */
export const PRESSURE_LEVEL_SYMBOLS: readonly PressureLevel[] = ["LOW", "MODERATE", "HIGH", "CRITICAL"];

/** Value of topic asr.memory.trends (key: sourceId). Trend analysis of one source's memory over a sliding window: slope, EWMA, time-to-critical forecast and level transitions. */
export interface PressureTrend {
  /** Source the trend is about (as in MemoryPressure); also the message key. */
  sourceId: string;
  /** Host name of the sampled machine. */
  host: string;
  /** Time of the first sample in the window, epoch milliseconds. */
  windowStart: number;
  /** Time of the last sample in the window, epoch milliseconds. */
  windowEnd: number;
  /** Number of samples in the window. */
  samples: number;
  /** Least-squares slope of usedRatio over the window, per second (positive: growing). */
  slopeRatioPerSecond: number;
  /** Least-squares slope of usedBytes over the window, bytes per second. */
  slopeBytesPerSecond: number;
  /** Exponentially weighted moving average of usedRatio at windowEnd. */
  ewmaRatio: number;
  /** Lowest usedRatio in the window. */
  minRatio: number;
  /** Highest usedRatio in the window. */
  maxRatio: number;
  /** Mean usedRatio in the window. */
  meanRatio: number;
  /** Forecast seconds until usedRatio reaches the CRITICAL threshold at the current slope; null when memory is flat or shrinking, 0 when already CRITICAL. */
  secondsToCritical: number | null;
  /** Level at windowEnd. */
  level: PressureLevel;
  /** Level changes within the window (a flapping indicator). */
  transitions: number;
  /** Instance id of the producer that wrote this event. */
  producerId: string;
  /** When the analysis was made, epoch milliseconds. */
  eventTime: number;
}

/** Value type of each topic, by topic key (see topics.ts). */
export interface TopicValues {
  jobs: JobEvent;
  segments: AudioSegment;
  results: SegmentTranscribed;
  segmentsFailed: SegmentFailed;
  memoryPressure: MemoryPressure;
  memoryTrends: PressureTrend;
}
