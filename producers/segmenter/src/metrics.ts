// Metrics of the segmenter, registered on the process's one Registry.

import { Counter, Gauge, type Registry } from "@lingostream/runtime";

export type SegmenterMetrics = ReturnType<typeof createSegmenterMetrics>;

export function createSegmenterMetrics(registry: Registry) {
  return {
    jobs: new Counter({ name: "lingostream_segmenter_jobs_total", help: "jobs segmented or failed", labelNames: ["outcome"], registers: [registry] }),
    segments: new Counter({
      name: "lingostream_segmenter_segments_total",
      help: "segments cut, uploaded and announced; silent=true for those below the silence threshold throughout (no engine runs on them)",
      labelNames: ["silent"],
      registers: [registry],
    }),
    asrLag: new Gauge({
      name: "lingostream_segmenter_asr_lag_segments",
      help: "segments on asr.segments not yet committed by the ASR group, as the segmenter last saw them (its reading plus the segments it let through that the reading cannot hold yet); the look-ahead bound applies to it",
      registers: [registry],
    }),
    holding: new Gauge({
      name: "lingostream_segmenter_holding",
      help: "1 while the next segment is held before upload because the ASR group is LINGOSTREAM_SEGMENTER_MAX_AHEAD segments or more behind, or its lag cannot be read; 0 otherwise",
      registers: [registry],
    }),
    lagCheckFailures: new Counter({
      name: "lingostream_segmenter_asr_lag_check_failures_total",
      help: "reads of the ASR group's lag that failed",
      registers: [registry],
    }),
  };
}
