// Metrics of the S3 sink, registered on the process's one Registry. A sink
// restarted in the same process reuses the registered metrics instead of failing.

import { Counter, Gauge, Histogram, type Registry } from "@lingostream/runtime";

export interface SinkMetrics {
  records: Counter<"topic">;
  flushes: Counter<"reason" | "outcome">;
  flushDuration: Histogram<"reason">;
  bufferBytes: Gauge;
  jobsCompleted: Counter;
  badRecords: Counter<"topic" | "reason">;
  pausedPartitions: Gauge;
  audioDeletedObjects: Counter<"kind" | "reason">;
  audioDeletedBytes: Counter<"kind" | "reason">;
  audioExpiredJobs: Counter;
  audioSweeps: Counter<"outcome">;
}

function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createSinkMetrics(registry: Registry): SinkMetrics {
  const registers = [registry];
  return {
    records: reuse(
      registry,
      "lingostream_sink_records_total",
      () => new Counter({ name: "lingostream_sink_records_total", help: "records consumed and handled, by topic", labelNames: ["topic"], registers }),
    ),
    flushes: reuse(
      registry,
      "lingostream_sink_flushes_total",
      () =>
        new Counter({
          name: "lingostream_sink_flushes_total",
          help: "buffer rotations of asr.results partitions, by trigger and outcome (ok, failed)",
          labelNames: ["reason", "outcome"],
          registers,
        }),
    ),
    flushDuration: reuse(
      registry,
      "lingostream_sink_flush_duration_seconds",
      () =>
        new Histogram({
          name: "lingostream_sink_flush_duration_seconds",
          help: "time to write a rotated buffer, complete its jobs and commit its offset",
          labelNames: ["reason"],
          buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
          registers,
        }),
    ),
    bufferBytes: reuse(
      registry,
      "lingostream_sink_buffer_bytes",
      () => new Gauge({ name: "lingostream_sink_buffer_bytes", help: "result bytes buffered across all partitions, not yet written", registers }),
    ),
    jobsCompleted: reuse(
      registry,
      "lingostream_sink_jobs_completed_total",
      () => new Counter({ name: "lingostream_sink_jobs_completed_total", help: "JobCompleted events produced (re-assemblies included)", registers }),
    ),
    badRecords: reuse(
      registry,
      "lingostream_sink_bad_records_total",
      () =>
        new Counter({
          name: "lingostream_sink_bad_records_total",
          help: "records skipped: undecodable, malformed, invalid ids, or dead letters without a job slot",
          labelNames: ["topic", "reason"],
          registers,
        }),
    ),
    pausedPartitions: reuse(
      registry,
      "lingostream_sink_paused_partitions",
      () => new Gauge({ name: "lingostream_sink_paused_partitions", help: "partitions paused because their writes are failing", registers }),
    ),
    audioDeletedObjects: reuse(
      registry,
      "lingostream_sink_audio_deleted_objects_total",
      () =>
        new Counter({
          name: "lingostream_sink_audio_deleted_objects_total",
          help: "segment audio and uploaded media objects deleted, by kind (segment, media) and reason (completed, expired)",
          labelNames: ["kind", "reason"],
          registers,
        }),
    ),
    audioDeletedBytes: reuse(
      registry,
      "lingostream_sink_audio_deleted_bytes_total",
      () =>
        new Counter({
          name: "lingostream_sink_audio_deleted_bytes_total",
          help: "bytes of segment audio and uploaded media deleted, by kind (segment, media) and reason (completed, expired)",
          labelNames: ["kind", "reason"],
          registers,
        }),
    ),
    audioExpiredJobs: reuse(
      registry,
      "lingostream_sink_audio_expired_jobs_total",
      () => new Counter({ name: "lingostream_sink_audio_expired_jobs_total", help: "jobs whose kept dead-letter audio was deleted because its retention passed", registers }),
    ),
    audioSweeps: reuse(
      registry,
      "lingostream_sink_audio_sweeps_total",
      () =>
        new Counter({
          name: "lingostream_sink_audio_sweeps_total",
          help: "passes over the due expiry entries, by outcome (ok, failed)",
          labelNames: ["outcome"],
          registers,
        }),
    ),
  };
}
