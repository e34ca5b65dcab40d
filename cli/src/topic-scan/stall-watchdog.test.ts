import { describe, expect, it } from "vitest";
import { StallWatchdog } from "./stall-watchdog.ts";

function setup(onStall: "fail" | "stop") {
  let now = 0;
  const watchdog = new StallWatchdog({ stallMs: 30_000, onStall, checkAfterMs: 5_000, clock: () => now });
  return { watchdog, advance: (ms: number) => (now += ms) };
}

describe("StallWatchdog", () => {
  it("asks for nothing while progress is recent, then for a log-start check, then for the caller's stall action", () => {
    const { watchdog, advance } = setup("fail");
    advance(5_000);
    expect(watchdog.check()).toBeUndefined();
    advance(1);
    expect(watchdog.check()).toBe("check-log-start");
    advance(25_000);
    expect(watchdog.check()).toBe("fail");
  });

  it("counts idle time from the last progress, and stops instead of failing when asked to", () => {
    const { watchdog, advance } = setup("stop");
    advance(29_000);
    watchdog.progressed();
    advance(29_000);
    expect(watchdog.check()).toBe("check-log-start");
    advance(1_001);
    expect(watchdog.check()).toBe("stop");
  });
});
