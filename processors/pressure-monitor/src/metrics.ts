// Metrics of the pressure monitor, registered on the process's one Registry.

import { Counter, Gauge, Histogram, type Registry } from "@lingostream/runtime";

export interface MonitorMetrics {
  usedRatio: Gauge;
  usedBytes: Gauge;
  limitBytes: Gauge;
  level: Gauge;
  eventLoopLag: Gauge;
  samples: Counter<"outcome">;
  sampleDuration: Histogram;
  published: Counter<"topic" | "reason">;
  publishErrors: Counter<"topic">;
}

export function createMonitorMetrics(registry: Registry): MonitorMetrics {
  const registers = [registry];
  return {
    usedRatio: new Gauge({ name: "lingostream_monitor_used_ratio", help: "used / effective limit of the monitored source, 0 to 1", registers }),
    usedBytes: new Gauge({ name: "lingostream_monitor_used_bytes", help: "memory in use against the effective limit, bytes", registers }),
    limitBytes: new Gauge({ name: "lingostream_monitor_limit_bytes", help: "effective limit: min(cgroup memory.max, host MemTotal, override), bytes", registers }),
    level: new Gauge({ name: "lingostream_monitor_level", help: "classified level: 0 LOW, 1 MODERATE, 2 HIGH, 3 CRITICAL", registers }),
    eventLoopLag: new Gauge({
      name: "lingostream_monitor_event_loop_lag_seconds",
      help: "p99 event-loop delay of the monitor process over the last interval, seconds",
      registers,
    }),
    samples: new Counter({ name: "lingostream_monitor_samples_total", help: "memory samples taken, by outcome (ok, error)", labelNames: ["outcome"], registers }),
    sampleDuration: new Histogram({
      name: "lingostream_monitor_sample_duration_seconds",
      help: "wall time of one sample (all sources read in parallel), seconds",
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
      registers,
    }),
    published: new Counter({ name: "lingostream_monitor_published_total", help: "events published, by topic and reason", labelNames: ["topic", "reason"], registers }),
    publishErrors: new Counter({ name: "lingostream_monitor_publish_errors_total", help: "events that could not be published", labelNames: ["topic"], registers }),
  };
}
