import { Writable } from "node:stream";
import { createLogger, Registry } from "@lingostream/runtime";
import type { Admin } from "kafkajs";
import { describe, expect, it } from "vitest";
import { AsrLookAhead } from "./asr-look-ahead.ts";
import { createSegmenterMetrics } from "./metrics.ts";

/** An admin whose lag answers come from `lags` in turn (an Error is thrown), one partition with nothing committed below it. */
function fakeAdmin(lags: Array<number | Error>) {
  const calls = { connect: 0, disconnect: 0, reads: 0 };
  let next = 0;
  const admin = {
    connect: async () => {
      calls.connect++;
    },
    disconnect: async () => {
      calls.disconnect++;
    },
    fetchTopicOffsets: async () => {
      calls.reads++;
      const answer = lags[Math.min(next++, lags.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return [{ partition: 0, low: "0", high: String(100 + answer), offset: String(100 + answer) }];
    },
    fetchOffsets: async () => [{ topic: "segments", partitions: [{ partition: 0, offset: "100" }] }],
  };
  return { admin: admin as unknown as Admin, calls };
}

function setUp(lags: Array<number | Error>, options: { checkEveryMs?: number; clock?: () => number } = {}) {
  const { admin, calls } = fakeAdmin(lags);
  const lines: Array<{ level: number; msg: string }> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const registry = new Registry();
  const metrics = createSegmenterMetrics(registry);
  const lookAhead = new AsrLookAhead({
    admin,
    groupId: "asr",
    topic: "segments",
    policy: { maxAhead: 10, resumeRatio: 0.9, staleAfterMs: 30_000, unknownHoldMs: 600_000 },
    checkEveryMs: options.checkEveryMs ?? 1,
    logger: createLogger({ level: "info", destination }),
    metrics,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const gauge = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values[0]?.value;
  return { lookAhead, calls, lines, gauge, messages: () => lines.map((l) => l.msg) };
}

describe("AsrLookAhead", () => {
  it("reads the lag at most once per interval however many segments it lets through", async () => {
    let now = 0;
    const { lookAhead, calls } = setUp([0], { checkEveryMs: 5000, clock: () => now });
    const signal = new AbortController().signal;
    for (let i = 0; i < 5; i++) await lookAhead.untilRoom(signal);
    expect(calls).toMatchObject({ connect: 1, reads: 1 });
    now += 5000;
    await lookAhead.untilRoom(signal);
    expect(calls).toMatchObject({ connect: 1, reads: 2 });
  });

  it("holds until a reading is below the resume mark, with one line as the hold starts and one as it ends", async () => {
    const { lookAhead, calls, messages, gauge } = setUp([10, 10, 9, 8]);
    await lookAhead.untilRoom(new AbortController().signal);
    expect(calls.reads).toBe(4);
    expect(messages()).toEqual([
      "holding: ASR 10 segments behind; the next segment waits until fewer than 9 are",
      "resumed: ASR 8 segments behind; publishing segments again",
    ]);
    expect(await gauge("lingostream_segmenter_holding")).toBe(0);
    expect(await gauge("lingostream_segmenter_asr_lag_segments")).toBe(8);
  });

  it("shows a hold in its gauges while it lasts, and ends it with the signal's reason", async () => {
    const { lookAhead, gauge } = setUp([12]);
    const stop = new AbortController();
    const waiting = lookAhead.untilRoom(stop.signal);
    for (let i = 0; i < 100 && (await gauge("lingostream_segmenter_holding")) !== 1; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await gauge("lingostream_segmenter_holding")).toBe(1);
    expect(await gauge("lingostream_segmenter_asr_lag_segments")).toBe(12);
    stop.abort(new Error("stopping"));
    await expect(waiting).rejects.toThrow("stopping");
  });

  it("logs a failing check once per streak, counts every failure, and reconnects the same client", async () => {
    let now = 0;
    const { lookAhead, calls, messages, gauge } = setUp([0, new Error("coordinator not available"), new Error("coordinator not available"), 1], {
      checkEveryMs: 5000,
      clock: () => now,
    });
    const signal = new AbortController().signal;
    for (let i = 0; i < 4; i++) {
      // Within the grace the last reading stands in: no hold.
      await lookAhead.untilRoom(signal);
      now += 5000;
    }
    expect(messages()).toEqual(["could not read the ASR group's lag; the last reading stands in for a while", "the ASR group's lag can be read again"]);
    expect(calls).toMatchObject({ reads: 4, connect: 3, disconnect: 2 });
    expect(await gauge("lingostream_segmenter_asr_lag_check_failures_total")).toBe(2);
  });

  it("disconnects its client once on close", async () => {
    const { lookAhead, calls } = setUp([0]);
    await lookAhead.untilRoom(new AbortController().signal);
    await lookAhead.close();
    await lookAhead.close();
    expect(calls.disconnect).toBe(1);
  });
});
