import { ConfigError } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { loadPressureMonitorConfig } from "./config.ts";

describe("pressure monitor config", () => {
  it("adds the source naming to the memory settings", () => {
    const c = loadPressureMonitorConfig({ LINGOSTREAM_PRESSURE_SOURCE_ID: "node-7", LINGOSTREAM_MEMORY_SCOPE: "process" });
    expect(c).toMatchObject({ sourceId: "node-7", host: undefined, scope: "process", pressureIntervalMs: 2000, criticalRatio: 0.9 });
  });

  it("rejects thresholds out of order", () => {
    expect(() => loadPressureMonitorConfig({ LINGOSTREAM_MEMORY_SAFE_RATIO: "0.85" })).toThrow(ConfigError);
  });
});
