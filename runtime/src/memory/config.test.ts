import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError, configTable } from "../config.ts";
import { loadMemoryConfig, loadPressureHost, memorySpec, pressureHost, thresholdsOf, usageOptionsOf } from "./config.ts";
import { GiB } from "./usage.ts";

describe("memory config", () => {
  it("defaults to the documented thresholds and timings", () => {
    const c = loadMemoryConfig({});
    expect(c).toEqual({
      limitBytes: undefined,
      scope: "host",
      safeRatio: 0.7,
      warningRatio: 0.8,
      criticalRatio: 0.9,
      hysteresis: 0.05,
      minFreeRatio: 0.1,
      minFreeBytes: GiB,
      pressureIntervalMs: 2000,
      trendWindowMs: 60_000,
      ewmaAlpha: 0.3,
      host: undefined,
    });
    expect(thresholdsOf(c)).toEqual({ safeRatio: 0.7, warningRatio: 0.8, criticalRatio: 0.9, hysteresis: 0.05 });
    expect(usageOptionsOf(c)).toEqual({ scope: "host", limitOverrideBytes: undefined, minFreeRatio: 0.1, minFreeFloorBytes: GiB });
  });

  it("reads byte sizes with units", () => {
    const c = loadMemoryConfig({ LINGOSTREAM_MEMORY_LIMIT_BYTES: "512MiB", LINGOSTREAM_MEMORY_MIN_FREE_BYTES: "0" });
    expect(c.limitBytes).toBe(512 * 1024 ** 2);
    expect(c.minFreeBytes).toBe(0);
  });

  it("reports thresholds out of order, with every variable involved, together with other problems", () => {
    let err: ConfigError | undefined;
    try {
      loadMemoryConfig({ LINGOSTREAM_MEMORY_WARNING_RATIO: "0.95", LINGOSTREAM_PRESSURE_INTERVAL_MS: "40000" });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.problems).toHaveLength(2);
    expect(err!.message).toContain("LINGOSTREAM_MEMORY_WARNING_RATIO");
    expect(err!.message).toContain("LINGOSTREAM_TREND_WINDOW_MS");
  });

  it("reads the host name monitors and workers pair on from LINGOSTREAM_PRESSURE_HOST", () => {
    expect(loadMemoryConfig({ LINGOSTREAM_PRESSURE_HOST: "node-a" }).host).toBe("node-a");
  });

  it("rejects an EWMA alpha of zero", () => {
    expect(() => loadMemoryConfig({ LINGOSTREAM_EWMA_ALPHA: "0" })).toThrow(/LINGOSTREAM_EWMA_ALPHA/);
  });

  it("documents every variable for the README table", () => {
    const table = configTable(memorySpec);
    for (const field of Object.values(memorySpec)) expect(table).toContain(field.env);
  });

  it("resolves the pressure host from LINGOSTREAM_PRESSURE_HOST, else os.hostname(), the same for monitor, governor and status", () => {
    expect(pressureHost("node-7")).toBe("node-7");
    expect(pressureHost(undefined)).toBe(hostname());
    expect(loadPressureHost({ LINGOSTREAM_PRESSURE_HOST: "node-7" })).toBe("node-7");
    expect(loadPressureHost({ LINGOSTREAM_PRESSURE_HOST: "" })).toBe(hostname());
    expect(loadPressureHost({})).toBe(hostname());
  });

  it("reads the pressure host alone: other memory settings out of range do not stop a command that needs only the host", () => {
    expect(() => loadMemoryConfig({ LINGOSTREAM_MEMORY_WARNING_RATIO: "0.95", LINGOSTREAM_PRESSURE_HOST: "node-7" })).toThrow(ConfigError);
    expect(loadPressureHost({ LINGOSTREAM_MEMORY_WARNING_RATIO: "0.95", LINGOSTREAM_PRESSURE_HOST: "node-7" })).toBe("node-7");
  });
});
