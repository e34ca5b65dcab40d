import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { HandleRegistry } from "./audio-handles.ts";
import { BufferPool } from "./buffer-pool.ts";
import { PressureGovernor } from "./governor.ts";
import { registerMemoryMetrics } from "./metrics.ts";

describe("memory metrics", () => {
  it("reads the governor, handles and pool at scrape time, and registering twice is harmless", async () => {
    const registry = new Registry();
    const handles = new HandleRegistry();
    const pool = new BufferPool({ maxBytes: 1000, registry: handles });
    const governor = new PressureGovernor({ maxInFlight: 4, heartbeatIntervalMs: 1000, host: "h", clock: () => 0 });
    registerMemoryMetrics(registry, "asr", { governor, handles, pool });
    registerMemoryMetrics(registry, "asr", { governor, handles, pool });
    const held = await pool.acquire(100);
    governor.observeRemote({ sourceId: "h", host: "h", level: "HIGH", usedRatio: 0.85, sampleIntervalMs: 1000, eventTime: 0 });
    const text = await registry.metrics();
    expect(text).toContain("lingostream_asr_memory_level 2");
    expect(text).toContain("lingostream_asr_memory_paused 1");
    expect(text).toContain("lingostream_asr_memory_max_in_flight 0");
    expect(text).toContain('lingostream_asr_handles_live{kind="buffer"} 1');
    expect(text).toContain("lingostream_asr_handles_live_bytes 100");
    expect(text).toContain('lingostream_asr_handles_leaked_total{kind="buffer"} 0');
    expect(text).toContain('lingostream_asr_buffer_pool_bytes{state="in_use"} 100');
    held.release();
  });
});
