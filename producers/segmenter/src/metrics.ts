// Metrics of the segmenter, registered on the process's one Registry.

import { Counter, type Registry } from "@lingostream/runtime";

export function createSegmenterMetrics(registry: Registry) {
  return {
    jobs: new Counter({ name: "lingostream_segmenter_jobs_total", help: "jobs segmented or failed", labelNames: ["outcome"], registers: [registry] }),
    segments: new Counter({
      name: "lingostream_segmenter_segments_total",
      help: "segments cut, uploaded and announced; silent=true for those below the silence threshold throughout (no engine runs on them)",
      labelNames: ["silent"],
      registers: [registry],
    }),
  };
}
