import { setTimeout as sleep } from "node:timers/promises";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { type GovernorOptions, maxInFlightFor, PressureGovernor, type RemotePressure } from "./governor.ts";
import type { PressureLevel } from "./levels.ts";
import type { MemorySample } from "./sampler.ts";

const GiB = 1024 ** 3;
const LIMIT = 10 * GiB;

let now = 0;
const clock = () => now;

/** A host using `ratio` of 10 GiB, with this process holding `rss`. */
function local(ratio: number, rss = 0.1 * GiB): MemorySample {
  return {
    time: now,
    process: { rssBytes: rss, heapUsedBytes: 0, heapTotalBytes: 0, externalBytes: 0, arrayBuffersBytes: 0 },
    host: { totalBytes: LIMIT, availableBytes: Math.round(LIMIT * (1 - ratio)), source: "meminfo" },
    cgroup: null,
    psi: null,
  };
}

function remote(level: PressureLevel, overrides: Partial<RemotePressure> = {}): RemotePressure {
  return { sourceId: "node-a", host: "node-a", level, usedRatio: 0.5, sampleIntervalMs: 2000, eventTime: now, ...overrides };
}

function governor(options: Partial<GovernorOptions> = {}) {
  const calls: string[] = [];
  const g = new PressureGovernor({
    maxInFlight: 8,
    heartbeatIntervalMs: 2000,
    host: "node-a",
    clock,
    usage: { minFreeRatio: 0, minFreeFloorBytes: 0 },
    gc: () => calls.push("gc"),
    ...options,
  });
  g.onPause(() => void calls.push("pause"));
  g.onResume(() => void calls.push("resume"));
  g.onCleanup(() => void calls.push("cleanup"));
  g.onEmergency(() => void calls.push("emergency"));
  return { g, calls };
}

beforeEach(() => {
  now = 1_000_000;
});

describe("PressureGovernor", () => {
  it("runs at full speed before it has heard anything", () => {
    const { g, calls } = governor();
    expect(g.state).toMatchObject({ level: "LOW", maxInFlight: 8, paused: false, acceptNewWork: true, localLevel: undefined, remoteLevel: undefined });
    expect(calls).toEqual([]);
  });

  it("halves the work in flight at MODERATE (never below one) and runs the cleanup hooks", () => {
    const { g, calls } = governor();
    expect(g.observeLocal(local(0.72))).toMatchObject({ level: "MODERATE", maxInFlight: 4, paused: false, acceptNewWork: true });
    expect(calls).toEqual(["cleanup"]);
    expect(maxInFlightFor("MODERATE", 1)).toBe(1);
    expect(maxInFlightFor("MODERATE", 3)).toBe(1);
  });

  it("pauses at HIGH, once, with nothing in flight", () => {
    const { g, calls } = governor();
    g.observeLocal(local(0.72));
    expect(g.observeLocal(local(0.83))).toMatchObject({ level: "HIGH", maxInFlight: 0, paused: true, acceptNewWork: false });
    g.observeLocal(local(0.85));
    expect(calls).toEqual(["cleanup", "pause"]);
  });

  it("on CRITICAL from LOW pauses, cleans up, then runs emergency cleanup and the collector", () => {
    const { g, calls } = governor();
    expect(g.observeLocal(local(0.95))).toMatchObject({ level: "CRITICAL", paused: true, maxInFlight: 0 });
    expect(calls).toEqual(["pause", "cleanup", "emergency", "gc"]);
  });

  it("from HIGH to CRITICAL runs only the emergency hooks", () => {
    const { g, calls } = governor();
    g.observeLocal(local(0.85));
    calls.length = 0;
    g.observeLocal(local(0.92));
    expect(calls).toEqual(["emergency", "gc"]);
  });

  it("resumes with hysteresis: only once the ratio is 5 points under the HIGH threshold", () => {
    const { g, calls } = governor();
    g.observeLocal(local(0.92));
    calls.length = 0;
    expect(g.observeLocal(local(0.86))).toMatchObject({ level: "CRITICAL", paused: true });
    expect(g.observeLocal(local(0.84))).toMatchObject({ level: "HIGH", paused: true });
    expect(g.observeLocal(local(0.77))).toMatchObject({ level: "HIGH", paused: true });
    expect(calls).toEqual([]);
    expect(g.observeLocal(local(0.74))).toMatchObject({ level: "MODERATE", paused: false, maxInFlight: 4, acceptNewWork: true });
    expect(calls).toEqual(["resume"]);
    expect(g.observeLocal(local(0.6))).toMatchObject({ level: "LOW", maxInFlight: 8 });
    expect(calls).toEqual(["resume"]);
  });

  it("obeys the worst fresh remote level for this host, even when the local sample is calm", () => {
    const { g, calls } = governor();
    g.observeLocal(local(0.2));
    expect(g.observeRemote(remote("HIGH"))).toMatchObject({ level: "HIGH", paused: true, localLevel: "LOW", remoteLevel: "HIGH", freshRemoteSources: 1 });
    g.observeRemote(remote("MODERATE", { sourceId: "node-a/asr-2" }));
    expect(g.state.level).toBe("HIGH");
    expect(calls).toEqual(["pause", "cleanup"]);
  });

  it("ignores signals about other hosts", () => {
    const { g } = governor();
    expect(g.observeRemote(remote("CRITICAL", { sourceId: "node-b", host: "node-b" }))).toMatchObject({ level: "LOW", freshRemoteSources: 0 });
  });

  it("lets local sampling decide once remote signals are older than three heartbeat intervals", () => {
    const { g, calls } = governor();
    g.observeLocal(local(0.2));
    g.observeRemote(remote("HIGH", { sampleIntervalMs: 1000 }));
    now += 3000;
    expect(g.tick()).toMatchObject({ level: "HIGH", freshRemoteSources: 1 });
    now += 1;
    expect(g.tick()).toMatchObject({ level: "LOW", remoteLevel: undefined, freshRemoteSources: 0, paused: false });
    expect(calls).toEqual(["pause", "cleanup", "resume"]);
  });

  it("uses its own heartbeat interval for signals that state none", () => {
    const { g } = governor();
    g.observeRemote(remote("HIGH", { sampleIntervalMs: 0 }));
    now += 6000;
    expect(g.tick().level).toBe("HIGH");
    now += 1;
    expect(g.tick().level).toBe("LOW");
  });

  it("does not take an old signal replayed from the compacted topic for a fresh one", () => {
    const { g } = governor({ maxClockSkewMs: 1000 });
    // Published 60 s ago by a monitor that has since died; read now at start-up.
    expect(g.observeRemote(remote("CRITICAL", { eventTime: now - 60_000 }))).toMatchObject({ level: "LOW", freshRemoteSources: 0 });
    // A signal from a publisher whose clock runs 500 ms behind is still fresh.
    expect(g.observeRemote(remote("HIGH", { eventTime: now - 500 })).level).toBe("HIGH");
  });

  it("keeps the newer signal of a source when an older one arrives late", () => {
    const { g } = governor();
    g.observeRemote(remote("LOW", { eventTime: now }));
    g.observeRemote(remote("CRITICAL", { eventTime: now - 100 }));
    expect(g.state.level).toBe("LOW");
  });

  it("forgets sources that went stale long ago, so crashed publishers do not accumulate", () => {
    const { g } = governor();
    g.observeRemote(remote("HIGH", { sourceId: "node-a/asr/crashed" }));
    now += 11 * 60_000;
    g.tick();
    // A late, older event of the forgotten source is taken as new, and is itself stale.
    expect(g.observeRemote(remote("HIGH", { sourceId: "node-a/asr/crashed", eventTime: now - 11 * 60_000 }))).toMatchObject({ freshRemoteSources: 0 });
  });

  it("forgets a source on a tombstone", () => {
    const { g, calls } = governor();
    g.observeRemote(remote("HIGH"));
    expect(g.forgetRemote("node-a")).toMatchObject({ level: "LOW", paused: false });
    expect(calls).toEqual(["pause", "cleanup", "resume"]);
  });

  it("admits work only while this process and host would stay under HIGH", () => {
    const { g } = governor();
    g.observeLocal(local(0.5, 2 * GiB));
    expect(g.admit(GiB)).toMatchObject({ admitted: true, reason: "ok", level: "LOW" });
    expect(g.admit(2.9 * GiB)).toMatchObject({ admitted: true, reason: "ok" });
    const refused = g.admit(3.1 * GiB);
    expect(refused).toMatchObject({ admitted: false, reason: "would-exceed", level: "LOW" });
    expect(refused.projectedRatio).toBeCloseTo(0.81, 2);
  });

  it("measures admission against an operator's limit, not the machine's", () => {
    const { g } = governor({ usage: { minFreeRatio: 0, minFreeFloorBytes: 0, limitOverrideBytes: 4 * GiB } });
    // Host: 1 GiB used of the 4 GiB cap; this process alone holds 1 GiB of it.
    g.observeLocal(local(0.1, GiB));
    expect(g.admit(2 * GiB).admitted).toBe(true);
    expect(g.admit(2.3 * GiB)).toMatchObject({ admitted: false, reason: "would-exceed" });
  });

  it("in process scope holds the process to the operator's budget and the host to the machine's limit", () => {
    const budget = { minFreeRatio: 0, minFreeFloorBytes: 0, limitOverrideBytes: GiB };
    const { g } = governor({ usage: budget, hostUsage: { minFreeRatio: 0, minFreeFloorBytes: 0 } });
    // The machine uses 5 GiB of 10, far over the 1 GiB budget; this process holds 0.5 GiB of it.
    expect(g.observeLocal(local(0.5, 0.5 * GiB)).level).toBe("LOW");
    expect(g.observeLocal(local(0.5, 0.85 * GiB)).level).toBe("HIGH");
    // The same budget applied to the host view too would read the machine as CRITICAL.
    const { g: both } = governor({ usage: budget });
    expect(both.observeLocal(local(0.5, 0.5 * GiB)).level).toBe("CRITICAL");
  });

  it("refuses all new work while paused", () => {
    const { g } = governor();
    g.observeRemote(remote("HIGH"));
    expect(g.admit(1)).toMatchObject({ admitted: false, reason: "paused", level: "HIGH", projectedRatio: undefined });
  });

  it("reports each change with the previous state", () => {
    const { g } = governor();
    const seen: string[] = [];
    const off = g.onChange((state, previous) => seen.push(`${previous.level}->${state.level}`));
    g.observeLocal(local(0.75));
    g.observeLocal(local(0.95));
    off();
    g.observeLocal(local(0.1));
    expect(seen).toEqual(["LOW->MODERATE", "MODERATE->CRITICAL"]);
  });

  it("survives hooks that throw or reject, reporting them, and idle() waits for async hooks", async () => {
    const errors: string[] = [];
    const { g } = governor({ onError: (err, hook) => errors.push(`${hook}: ${(err as Error).message}`) });
    let finished = false;
    g.onCleanup(() => {
      throw new Error("sync boom");
    });
    g.onEmergency(async () => {
      await sleep(5);
      finished = true;
    });
    g.onEmergency(async () => {
      throw new Error("async boom");
    });
    expect(g.observeLocal(local(0.95)).level).toBe("CRITICAL");
    await g.idle();
    expect(finished).toBe(true);
    expect(errors).toEqual(["cleanup: sync boom", "emergency: async boom"]);
  });

  it("finishes one round of hooks before acting on input a hook gives it", () => {
    const { g } = governor();
    const seen: string[] = [];
    g.onChange((state, previous) => seen.push(`${previous.level}->${state.level}`));
    // An emergency hook that frees memory and re-samples at once.
    g.onEmergency(() => void g.observeLocal(local(0.5)));
    g.observeLocal(local(0.95));
    expect(seen).toEqual(["LOW->CRITICAL", "CRITICAL->LOW"]);
    expect(g.state.level).toBe("LOW");
  });

  it("runs the collector exposed by --expose-gc on CRITICAL, and goes without when there is none", () => {
    const exposed = vi.fn();
    const g = globalThis as { gc?: () => void };
    const saved = g.gc;
    g.gc = exposed;
    try {
      new PressureGovernor({ maxInFlight: 1, heartbeatIntervalMs: 1000, clock, usage: { minFreeRatio: 0, minFreeFloorBytes: 0 } }).observeLocal(local(0.95));
    } finally {
      g.gc = saved;
    }
    expect(exposed).toHaveBeenCalledTimes(1);
    const { g: without, calls } = governor({ gc: null });
    expect(without.observeLocal(local(0.95)).level).toBe("CRITICAL");
    expect(calls).toEqual(["pause", "cleanup", "emergency"]);
  });

  it("rejects a maximum in flight below one", () => {
    expect(() => governor({ maxInFlight: 0 })).toThrow(/positive integer/);
  });
});
