import { type Backpressure, createLogger, fullSpeed, type PressureLevel, Registry } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { createAsrMetrics } from "./metrics.ts";
import { type PauseChange, PauseSync } from "./pause-sync.ts";

function setup() {
  let level: PressureLevel = "LOW";
  let resume: () => void = () => {};
  const calls: string[] = [];
  const changes: PauseChange[] = [];
  const stopping = new AbortController();
  const backpressure: Backpressure = {
    ...fullSpeed,
    paused: () => level === "HIGH",
    level: () => level,
    waitUntilResumed: () => new Promise<void>((r) => (resume = r)),
  };
  const metrics = createAsrMetrics(new Registry());
  const sync = new PauseSync({
    consumer: { pause: () => void calls.push("pause"), resume: () => void calls.push("resume") },
    topic: "asr.segments",
    backpressure,
    metrics,
    logger: createLogger({ level: "silent" }),
    signal: stopping.signal,
    inFlight: () => 0,
    onPauseChange: (change) => changes.push(change),
  });
  return {
    sync,
    calls,
    changes,
    metrics,
    stopping,
    setLevel: (l: PressureLevel) => (level = l),
    resumeNow: async () => {
      resume();
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe("PauseSync", () => {
  it("pauses when the governor says so, and resumes only when the governor lets it, reporting each turn once", async () => {
    const { sync, calls, changes, metrics, setLevel, resumeNow } = setup();
    expect(sync.sync()).toBe(false);
    expect(calls).toEqual([]);
    setLevel("HIGH");
    expect(sync.sync()).toBe(true);
    // Repeated on purpose (a restarted consumer forgets its pauses), but reported once.
    expect(sync.sync()).toBe(true);
    expect(calls).toEqual(["pause", "pause"]);
    expect(changes.map((c) => [c.paused, c.level])).toEqual([[true, "HIGH"]]);
    expect((await metrics.paused.get()).values[0]?.value).toBe(1);
    setLevel("MODERATE");
    await resumeNow();
    expect(calls).toEqual(["pause", "pause", "resume"]);
    expect(changes.map((c) => [c.paused, c.level])).toEqual([
      [true, "HIGH"],
      [false, "MODERATE"],
    ]);
    expect((await metrics.paused.get()).values[0]?.value).toBe(0);
  });

  it("neither pauses nor resumes the consumer once the processor is stopping", async () => {
    const { sync, calls, stopping, setLevel, resumeNow } = setup();
    setLevel("HIGH");
    sync.sync();
    stopping.abort();
    sync.sync();
    await resumeNow();
    expect(calls).toEqual(["pause"]);
  });
});
