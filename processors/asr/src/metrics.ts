// Metrics of the ASR processor, registered on the process's one Registry.

import { Counter, Gauge, Histogram, type Registry } from "@lingostream/runtime";

export interface AsrMetrics {
  processed: Counter<"engine">;
  /** The `retryable` label keeps the dead letter's Avro field name (SegmentFailed.retryable), not the code's `retriable`. */
  failed: Counter<"error_class" | "retryable">;
  droppedWords: Counter;
  latency: Histogram<"engine">;
  inFlight: Gauge;
  paused: Gauge;
  pauses: Counter<"level">;
  resumes: Counter;
  refused: Counter;
  silent: Counter;
  realTimeFactor: Histogram<"engine">;
}

export function createAsrMetrics(registry: Registry): AsrMetrics {
  return {
    processed: new Counter({ name: "lingostream_asr_segments_processed_total", help: "segments transcribed", labelNames: ["engine"], registers: [registry] }),
    failed: new Counter({ name: "lingostream_asr_segments_failed_total", help: "segments dead-lettered or retried", labelNames: ["error_class", "retryable"], registers: [registry] }),
    droppedWords: new Counter({ name: "lingostream_asr_words_dropped_total", help: "words dropped by sanitization (over 30 characters or empty)", registers: [registry] }),
    latency: new Histogram({
      name: "lingostream_asr_segment_duration_seconds",
      help: "time from taking a segment to its result being durable",
      labelNames: ["engine"],
      buckets: [0.5, 1, 2, 5, 10, 20, 40, 80, 160],
      registers: [registry],
    }),
    inFlight: new Gauge({ name: "lingostream_asr_segments_in_flight", help: "segments being transcribed now", registers: [registry] }),
    paused: new Gauge({ name: "lingostream_asr_paused", help: "1 while consumption is paused by memory pressure", registers: [registry] }),
    pauses: new Counter({ name: "lingostream_asr_pauses_total", help: "times consumption was paused by memory pressure, by the level that paused it", labelNames: ["level"], registers: [registry] }),
    resumes: new Counter({ name: "lingostream_asr_resumes_total", help: "times consumption resumed after memory pressure eased", registers: [registry] }),
    refused: new Counter({ name: "lingostream_asr_segments_refused_total", help: "segments handed back by the local memory check (fetched again later)", registers: [registry] }),
    silent: new Counter({
      name: "lingostream_asr_segments_silent_total",
      help: "segments the segmenter marked silent, answered with an empty result without fetching their audio or running an engine",
      registers: [registry],
    }),
    realTimeFactor: new Histogram({
      name: "lingostream_asr_real_time_factor",
      help: "engine seconds per second of audio",
      labelNames: ["engine"],
      buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 4],
      registers: [registry],
    }),
  };
}
