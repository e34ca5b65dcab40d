import type { AudioSegment, SegmentFailed } from "@lingostream/schemas";
import { describe, expect, it } from "vitest";
import { parseFilter, parseRate } from "../dead-letter-args.ts";
import { parseTimePoint } from "../time-args.ts";
import { FailedReport } from "./failed-report.ts";
import { ReplaySelection, replaySegment } from "./replay-selection.ts";

function segment(jobId: string, index: number, overrides: Partial<AudioSegment> = {}): AudioSegment {
  return {
    tenant: "acme",
    jobId,
    segmentId: `${jobId}-${String(index).padStart(6, "0")}`,
    index,
    startSeconds: index * 30,
    endSeconds: index * 30 + 30,
    language: "en",
    engine: "deterministic",
    attempt: 1,
    claimCheck: { bucket: "b", key: `segments/acme/${jobId}/${index}.wav`, byteSize: 10, sha256: "00", sampleRate: 16000, channels: 1, encoding: "wav/pcm_s16le" },
    inlineAudio: null,
    producerId: "seg",
    eventTime: 1000,
    firstFailureTime: null,
    ...overrides,
  };
}

function letter(seg: AudioSegment | null, overrides: Partial<SegmentFailed> = {}): SegmentFailed {
  return {
    tenant: seg?.tenant ?? "unknown",
    jobId: seg?.jobId ?? null,
    segmentId: seg?.segmentId ?? null,
    segment: seg,
    source: { topic: "asr.segments", partition: 0, offset: "0" },
    errorClass: "engine",
    message: "boom",
    retryable: false,
    attempt: seg?.attempt ?? 1,
    firstFailureTime: 2000,
    lastFailureTime: 2000,
    workerId: "w",
    producerId: "w",
    eventTime: 2000,
    ...overrides,
  };
}

describe("replay selection", () => {
  it("keeps the latest dead letter per segment and counts the older ones as skipped", () => {
    const sel = new ReplaySelection(10);
    const s = segment("job-a", 1);
    sel.offer(letter(s, { attempt: 1, lastFailureTime: 2000 }), {});
    sel.offer(letter({ ...s, attempt: 4 }, { attempt: 4, lastFailureTime: 5000, errorClass: "timeout" }), {});
    expect(sel.size).toBe(1);
    expect(sel.candidates()[0]).toMatchObject({ attempt: 4, errorClass: "timeout" });
    expect(sel.skipped["older-dead-letter"]).toBe(1);
  });

  it("never holds more than the limit, but still updates segments it holds", () => {
    const sel = new ReplaySelection(2);
    for (let i = 0; i < 5; i++) sel.offer(letter(segment("job-a", i)), {});
    sel.offer(letter(segment("job-a", 0, { attempt: 2 }), { attempt: 2, lastFailureTime: 9000 }), {});
    expect(sel.size).toBe(2);
    expect(sel.skipped["over-limit"]).toBe(3);
    expect(sel.candidates().map((c) => [c.segment.index, c.attempt])).toEqual([
      [0, 2],
      [1, 1],
    ]);
  });

  it("skips undecodable originals and hostile ids, and leaves unmatched letters alone", () => {
    const sel = new ReplaySelection(10);
    sel.offer(letter(null), {});
    sel.offer(letter(segment("../etc", 1)), {});
    sel.offer(letter(segment("job-b", 1)), { jobId: "job-a" });
    expect(sel.size).toBe(0);
    expect(sel.skipped).toMatchObject({ "undecodable-original": 1, "invalid-id": 1 });
    expect(sel.unmatched).toBe(1);
  });

  it("filters by tenant, job, error class and failure time", () => {
    const sel = new ReplaySelection(10);
    const filter = { tenant: "acme", jobId: "job-a", errorClass: "engine" as const, since: 1500, until: 2500 };
    sel.offer(letter(segment("job-a", 1)), filter);
    sel.offer(letter(segment("job-a", 2), { lastFailureTime: 3000 }), filter);
    sel.offer(letter(segment("job-a", 3), { errorClass: "decode" }), filter);
    expect(sel.candidates().map((c) => c.segment.index)).toEqual([1]);
  });

  it("re-publishes as the next attempt with the first failure time carried on", () => {
    const sel = new ReplaySelection(10);
    sel.offer(letter(segment("job-a", 1, { attempt: 3 }), { attempt: 3, firstFailureTime: 1234 }), {});
    const out = replaySegment(sel.candidates()[0]!, "cli-1", 7777);
    expect(out).toMatchObject({ attempt: 4, firstFailureTime: 1234, producerId: "cli-1", eventTime: 7777, segmentId: "job-a-000001" });
  });
});

describe("failed report", () => {
  it("groups by job and error class, counting each segment once under its latest failure", () => {
    const report = new FailedReport();
    report.addDeadLetter(letter(segment("job-a", 1), { errorClass: "engine", lastFailureTime: 1 }));
    report.addDeadLetter(letter(segment("job-a", 1), { errorClass: "timeout", lastFailureTime: 2 }));
    report.addDeadLetter(letter(segment("job-a", 2), { errorClass: "timeout", lastFailureTime: 2 }));
    report.addDeadLetter(letter(segment("job-b", 1), { errorClass: "decode", lastFailureTime: 2 }));
    expect(report.rows().map((r) => [r.jobId, r.errorClass, r.deadLetters, r.segments])).toEqual([
      ["job-a", "engine", 1, 0],
      ["job-a", "timeout", 2, 2],
      ["job-b", "decode", 1, 1],
    ]);
  });

  it("marks a segment resolved by a later result and replayed by a later replay, not by older ones", () => {
    const report = new FailedReport();
    for (const i of [1, 2, 3, 4]) report.addDeadLetter(letter(segment("job-a", i), { lastFailureTime: 100 }));
    report.addResult("job-a-000001", 200);
    report.addResult("job-a-000002", 50);
    report.addReplay({ tenant: "acme", jobId: "job-a", replayId: "r", segmentIds: ["job-a-000003", "job-a-000001"], count: 2, producerId: "p", eventTime: 150 });
    expect(report.rows()[0]).toMatchObject({ segments: 4, open: 2, replayed: 1, resolved: 1 });
  });

  it("stays within its caps: untracked segments and folded jobs are counted, not stored", () => {
    const report = new FailedReport({ maxSegments: 2, maxGroups: 2 });
    for (let j = 0; j < 4; j++) report.addDeadLetter(letter(segment(`job-${j}`, 1)));
    expect(report.trackedSegments).toBe(2);
    expect(report.untrackedSegments).toBe(2);
    expect(report.foldedGroups).toBe(2);
    const rows = report.rows();
    expect(rows).toHaveLength(3);
    expect(rows.reduce((n, r) => n + r.deadLetters, 0)).toBe(4);
  });
});

describe("replay arguments", () => {
  const now = Date.parse("2026-03-01T12:00:00Z");
  it("reads relative ages and ISO dates", () => {
    expect(parseTimePoint("2h", now)).toBe(now - 2 * 3_600_000);
    expect(parseTimePoint("30m", now)).toBe(now - 30 * 60_000);
    expect(parseTimePoint("1.5d", now)).toBe(now - 1.5 * 86_400_000);
    expect(parseTimePoint("2026-01-02T10:00:00Z", now)).toBe(Date.parse("2026-01-02T10:00:00Z"));
    expect(parseTimePoint("2026-01-02", now)).toBe(Date.parse("2026-01-02"));
    expect(() => parseTimePoint("yesterday", now)).toThrow(/ISO date/);
    expect(() => parseTimePoint("01/02/2026", now)).toThrow(/ISO date/);
  });

  it("reads rates as N or N/s", () => {
    expect(parseRate("20/s")).toBe(20);
    expect(parseRate("0.5")).toBe(0.5);
    expect(() => parseRate("0")).toThrow(/--rate/);
    expect(() => parseRate("fast")).toThrow(/--rate/);
  });

  it("validates ids against the id pattern before they are used", () => {
    expect(() => parseFilter({ tenant: "../other" }, now)).toThrow(expect.objectContaining({ code: "invalid-id" }));
    expect(() => parseFilter({ job: "a\u0000b" }, now)).toThrow(expect.objectContaining({ code: "invalid-id" }));
    expect(() => parseFilter({ errorClass: "oops" }, now)).toThrow(/error-class/);
    expect(() => parseFilter({ since: "1h", until: "2h" }, now)).toThrow(/after --until/);
    expect(parseFilter({ tenant: "acme", job: "job-1", errorClass: "engine", since: "1h" }, now)).toEqual({
      tenant: "acme",
      jobId: "job-1",
      errorClass: "engine",
      since: now - 3_600_000,
    });
  });
});
