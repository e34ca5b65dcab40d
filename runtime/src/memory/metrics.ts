// Prometheus views of a worker's memory state: governor level, live and leaked
// handles, buffer pool occupancy. Read at scrape time, so nothing here runs per segment.

import { Counter, Gauge, type Registry } from "prom-client";
import type { HandleKind, HandleRegistry } from "./audio-handles.ts";
import type { BufferPool } from "./buffer-pool.ts";
import type { PressureGovernor } from "./governor.ts";
import { severity } from "./levels.ts";

export interface MemoryMetricSources {
  governor?: PressureGovernor;
  handles?: HandleRegistry;
  pool?: BufferPool;
}

const KINDS: readonly HandleKind[] = ["buffer", "temp-file"];

/** Registers lingostream_<component>_* memory metrics; registering twice in one registry is a no-op. */
export function registerMemoryMetrics(registry: Registry, component: string, sources: MemoryMetricSources): void {
  const name = (what: string) => `lingostream_${component}_${what}`;
  const once = (metricName: string, make: () => void) => {
    if (!registry.getSingleMetric(metricName)) make();
  };
  const { governor, handles, pool } = sources;
  if (governor) {
    once(name("memory_level"), () => {
      new Gauge({
        name: name("memory_level"),
        help: "Effective memory pressure level the worker obeys: 0 LOW, 1 MODERATE, 2 HIGH, 3 CRITICAL",
        registers: [registry],
        collect() {
          this.set(severity(governor.tick().level));
        },
      });
      new Gauge({
        name: name("memory_max_in_flight"),
        help: "Segments allowed in flight at the current level",
        registers: [registry],
        collect() {
          this.set(governor.state.maxInFlight);
        },
      });
      new Gauge({
        name: name("memory_paused"),
        help: "1 while consumption is paused by memory pressure",
        registers: [registry],
        collect() {
          this.set(governor.state.paused ? 1 : 0);
        },
      });
    });
  }
  if (handles) {
    once(name("handles_live"), () => {
      new Gauge({
        name: name("handles_live"),
        help: "Audio buffer and temp file handles not yet released",
        labelNames: ["kind"],
        registers: [registry],
        collect() {
          for (const kind of KINDS) this.set({ kind }, handles.countsFor(kind).live);
        },
      });
      new Gauge({
        name: name("handles_live_bytes"),
        help: "Bytes owned by live buffer handles",
        registers: [registry],
        collect() {
          this.set(handles.liveBytes);
        },
      });
      // The registry's leak count only grows; the counter follows it by the difference at each scrape.
      const reported: Record<HandleKind, number> = { buffer: 0, "temp-file": 0 };
      new Counter({
        name: name("handles_leaked_total"),
        help: "Handles garbage-collected without being released (a leak: some path forgot to release)",
        labelNames: ["kind"],
        registers: [registry],
        collect() {
          for (const kind of KINDS) {
            const leaked = handles.countsFor(kind).leaked;
            this.inc({ kind }, leaked - reported[kind]);
            reported[kind] = leaked;
          }
        },
      });
    });
  }
  if (pool) {
    once(name("buffer_pool_bytes"), () => {
      new Gauge({
        name: name("buffer_pool_bytes"),
        help: "Buffer pool bytes by state: in_use (handed out) or idle (kept for reuse)",
        labelNames: ["state"],
        registers: [registry],
        collect() {
          const s = pool.stats;
          this.set({ state: "in_use" }, s.inUseBytes);
          this.set({ state: "idle" }, s.idleBytes);
        },
      });
      new Gauge({
        name: name("buffer_pool_waiting"),
        help: "Acquires waiting for buffer pool memory",
        registers: [registry],
        collect() {
          this.set(pool.stats.waiting);
        },
      });
    });
  }
}
