import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { governorBackpressure } from "./backpressure.ts";
import { PressureGovernor, type RemotePressure } from "./governor.ts";
import { startLocalSampling } from "./local-sampling.ts";
import type { MemorySample } from "./sampler.ts";

let now = 0;
const signal = (level: RemotePressure["level"]): RemotePressure => ({
  sourceId: "h",
  host: "h",
  level,
  usedRatio: 0,
  sampleIntervalMs: 1000,
  eventTime: now,
});
const newGovernor = () => new PressureGovernor({ maxInFlight: 6, heartbeatIntervalMs: 1000, host: "h", clock: () => now });

function sampleAt(ratio: number): MemorySample {
  return {
    time: now,
    process: { rssBytes: 1, heapUsedBytes: 0, heapTotalBytes: 0, externalBytes: 0, arrayBuffersBytes: 0 },
    host: { totalBytes: 100 * 1024 ** 3, availableBytes: Math.round(100 * 1024 ** 3 * (1 - ratio)), source: "meminfo" },
    cgroup: null,
    psi: null,
  };
}

describe("governorBackpressure", () => {
  it("scales the caller's own maximum by level and pauses from HIGH", () => {
    const g = newGovernor();
    const bp = governorBackpressure(g, 2 ** 30);
    expect(bp.maxInFlight(4)).toBe(4);
    g.observeRemote(signal("MODERATE"));
    expect(bp.maxInFlight(4)).toBe(2);
    expect(bp.paused()).toBe(false);
    g.observeRemote({ ...signal("HIGH"), eventTime: now + 1 });
    expect(bp.maxInFlight(4)).toBe(0);
    expect(bp.paused()).toBe(true);
    expect(bp.admit(1)).toBe(false);
  });

  it("notices a remote signal going stale when asked, without any new event", () => {
    now = 0;
    const g = newGovernor();
    g.observeRemote(signal("HIGH"));
    const bp = governorBackpressure(g, 2 ** 30);
    expect(bp.paused()).toBe(true);
    now = 3001;
    expect(bp.paused()).toBe(false);
  });

  it("waitUntilResumed resolves on resume and rejects on abort", async () => {
    now = 0;
    const g = newGovernor();
    const bp = governorBackpressure(g, 2 ** 30);
    await bp.waitUntilResumed(new AbortController().signal);
    g.observeRemote(signal("CRITICAL"));
    const resumed = bp.waitUntilResumed(new AbortController().signal);
    const controller = new AbortController();
    const aborted = bp.waitUntilResumed(controller.signal);
    controller.abort(new Error("stopping"));
    await expect(aborted).rejects.toThrow("stopping");
    g.forgetRemote("h");
    await resumed;
  });
});

describe("startLocalSampling", () => {
  it("feeds the governor on every interval until stopped, and survives a failing sample", async () => {
    const g = newGovernor();
    const ratios = [0.5, Number.NaN, 0.95];
    let calls = 0;
    const errors: unknown[] = [];
    const sampling = startLocalSampling({
      governor: g,
      sampler: {
        async sample() {
          const ratio = ratios[Math.min(calls++, ratios.length - 1)]!;
          if (Number.isNaN(ratio)) throw new Error("read failed");
          return sampleAt(ratio);
        },
      },
      intervalMs: 2,
      onError: (err) => errors.push(err),
    });
    for (let i = 0; i < 100 && g.state.level !== "CRITICAL"; i++) await sleep(2);
    await sampling.stop();
    const after = calls;
    await sleep(10);
    expect(g.state.level).toBe("CRITICAL");
    expect(errors).toHaveLength(1);
    expect(calls).toBe(after);
  });
});

describe("governorBackpressure hooks", () => {
  it("reports level changes as they happen and runs cleanup and emergency hooks until unsubscribed", () => {
    now = 0;
    const g = newGovernor();
    const bp = governorBackpressure(g, 2 ** 30);
    const seen: string[] = [];
    const offChange = bp.onChange((c) => seen.push(`${c.previous}->${c.level}${c.paused ? " paused" : ""}`));
    const offCleanup = bp.onCleanup(() => void seen.push("cleanup"));
    bp.onEmergency(() => void seen.push("emergency"));
    g.observeRemote(signal("MODERATE"));
    g.observeRemote({ ...signal("CRITICAL"), eventTime: 1 });
    offChange();
    offCleanup();
    g.forgetRemote("h");
    g.observeRemote({ ...signal("MODERATE"), eventTime: 2 });
    expect(seen).toEqual(["LOW->MODERATE", "cleanup", "MODERATE->CRITICAL paused", "emergency"]);
  });
});
