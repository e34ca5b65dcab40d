import { hostname } from "node:os";
import { loadMemoryConfig, PressureGovernor, type RemotePressure } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { governorOptionsOf } from "./worker-memory.ts";

const NOW = 1_000_000;

const high = (host: string): RemotePressure => ({ sourceId: host, host, level: "HIGH", usedRatio: 0.85, sampleIntervalMs: 2000, eventTime: NOW });

/** The level a worker configured by env ends at after hearing one HIGH signal from `from`. */
function levelAfterSignal(env: Record<string, string>, from: string) {
  const governor = new PressureGovernor({ ...governorOptionsOf(loadMemoryConfig(env), 4), clock: () => NOW, gc: null });
  return governor.observeRemote(high(from), NOW);
}

describe("governorOptionsOf", () => {
  it("obeys the monitor whose events carry LINGOSTREAM_PRESSURE_HOST and ignores other nodes", () => {
    expect(levelAfterSignal({ LINGOSTREAM_PRESSURE_HOST: "node-a" }, "node-a")).toMatchObject({ remoteLevel: "HIGH", paused: true });
    expect(levelAfterSignal({ LINGOSTREAM_PRESSURE_HOST: "node-b" }, "node-a")).toMatchObject({ remoteLevel: undefined, freshRemoteSources: 0, paused: false });
  });

  it("matches the machine's host name when LINGOSTREAM_PRESSURE_HOST is unset", () => {
    expect(levelAfterSignal({}, hostname())).toMatchObject({ remoteLevel: "HIGH", paused: true });
    expect(levelAfterSignal({}, "node-a")).toMatchObject({ remoteLevel: undefined, paused: false });
  });

  it("measures staleness in LINGOSTREAM_PRESSURE_INTERVAL_MS for signals that state no interval", () => {
    const options = governorOptionsOf(loadMemoryConfig({ LINGOSTREAM_PRESSURE_INTERVAL_MS: "500", LINGOSTREAM_TREND_WINDOW_MS: "1000" }), 4);
    let now = NOW;
    const governor = new PressureGovernor({ ...options, host: "node-a", clock: () => now, gc: null });
    governor.observeRemote({ ...high("node-a"), sampleIntervalMs: 0 }, NOW);
    // Fresh for three of its heartbeats: 1.5 s at 500 ms, where the 2 s default would keep it for 6 s.
    now = NOW + 1500;
    expect(governor.tick().remoteLevel).toBe("HIGH");
    now = NOW + 1501;
    expect(governor.tick().remoteLevel).toBeUndefined();
  });

  it("holds each process to its budget and the machine to its own limit in process scope", () => {
    const options = governorOptionsOf(loadMemoryConfig({ LINGOSTREAM_MEMORY_SCOPE: "process", LINGOSTREAM_MEMORY_LIMIT_BYTES: "512MiB" }), 4);
    expect(options.usage?.limitOverrideBytes).toBe(512 * 1024 ** 2);
    expect(options.hostUsage?.limitOverrideBytes).toBeUndefined();
  });
});
