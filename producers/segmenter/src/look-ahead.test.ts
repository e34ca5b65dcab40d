import { describe, expect, it } from "vitest";
import { isHolding, LookAheadGate, type LookAheadPolicy } from "./look-ahead.ts";

const policy: LookAheadPolicy = { maxAhead: 10, resumeRatio: 0.9, staleAfterMs: 30_000, unknownHoldMs: 600_000 };

describe("LookAheadGate", () => {
  it("holds at the bound and resumes only below the resume mark", () => {
    const gate = new LookAheadGate(policy);
    gate.recordLag(9, gate.settled);
    expect(gate.decide(0)).toEqual({ kind: "room", lag: 9 });
    gate.recordLag(10, gate.settled);
    expect(gate.decide(0)).toEqual({ kind: "ahead", lag: 10 });
    // 9 is below the bound but not below 90% of it: still holding.
    gate.recordLag(9, gate.settled);
    expect(gate.decide(0)).toEqual({ kind: "ahead", lag: 9 });
    gate.recordLag(8, gate.settled);
    expect(gate.decide(0)).toEqual({ kind: "room", lag: 8 });
    // Cutting again, 9 leaves room: the gap applies only on the way down.
    gate.recordLag(9, gate.settled);
    expect(gate.decide(0)).toEqual({ kind: "room", lag: 9 });
  });

  it("counts the segments it lets through on top of the reading, so it stops at the bound between checks", () => {
    const gate = new LookAheadGate(policy);
    gate.recordLag(7, gate.settled);
    const kinds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const state = gate.decide(0);
      kinds.push(state.kind);
      if (!isHolding(state)) gate.recordAdmitted();
    }
    // 7, 8, 9 leave room; the third admitted makes 10.
    expect(kinds).toEqual(["room", "room", "room", "ahead", "ahead"]);
  });

  it("counts segments let through but not yet published when a check began, which the reading cannot hold", () => {
    const gate = new LookAheadGate(policy);
    gate.recordAdmitted();
    gate.recordAdmitted();
    gate.recordAdmitted();
    gate.recordPublished();
    // The check began with one of the three on the topic: it reads 8 of which 1 is ours, the other two are on top.
    gate.recordLag(8, gate.settled);
    expect(gate.decide(0)).toEqual({ kind: "ahead", lag: 10 });
    // Published while a check ran: they may be in its reading and are counted as well (errs toward holding).
    const before = gate.settled;
    gate.recordPublished();
    gate.recordPublished();
    gate.recordLag(8, before);
    expect(gate.decide(0)).toEqual({ kind: "ahead", lag: 10 });
    // A check begun after they were published counts them once, in the reading.
    gate.recordLag(8, gate.settled);
    expect(gate.decide(0)).toEqual({ kind: "room", lag: 8 });
  });

  it("stops counting what a job's ended attempt let through but never published", () => {
    const gate = new LookAheadGate(policy);
    for (let i = 0; i < 5; i++) gate.recordAdmitted();
    gate.recordPublished();
    // The attempt failed with four let through and not published: they never will be.
    gate.recordAllSettled();
    gate.recordLag(1, gate.settled);
    expect(gate.decide(0)).toEqual({ kind: "room", lag: 1 });
    // Publication reports beyond what was let through do not go negative.
    gate.recordPublished();
    gate.recordLag(1, gate.settled);
    gate.recordAdmitted();
    expect(gate.decide(0)).toEqual({ kind: "room", lag: 2 });
  });

  it("holds before any reading: no room is known", () => {
    expect(new LookAheadGate(policy).decide(0)).toEqual({ kind: "unknown", failingMs: 0 });
  });

  it("goes by the last reading while checks fail within the grace, then holds, then cuts on without the bound", () => {
    const gate = new LookAheadGate(policy);
    gate.recordLag(3, gate.settled);
    gate.recordFailure(1000);
    expect(gate.decide(1000 + 29_999)).toEqual({ kind: "room", lag: 3 });
    // A later failure does not restart the streak.
    gate.recordFailure(20_000);
    expect(gate.decide(1000 + 30_000)).toEqual({ kind: "unknown", failingMs: 30_000 });
    expect(gate.decide(1000 + 599_999)).toEqual({ kind: "unknown", failingMs: 599_999 });
    expect(gate.decide(1000 + 600_000)).toEqual({ kind: "blind", failingMs: 600_000 });
    expect(isHolding({ kind: "blind", failingMs: 600_000 })).toBe(false);
    // A success ends the streak: the bound applies again, and a new failure starts a new grace.
    gate.recordLag(12, gate.settled);
    expect(gate.decide(700_000)).toEqual({ kind: "ahead", lag: 12 });
    gate.recordFailure(700_000);
    expect(gate.decide(700_000 + 29_999)).toEqual({ kind: "ahead", lag: 12 });
  });

  it("keeps counting what it lets through on top of the last reading during the grace", () => {
    const gate = new LookAheadGate(policy);
    gate.recordLag(9, gate.settled);
    gate.recordFailure(0);
    gate.recordAdmitted();
    expect(gate.decide(1000)).toEqual({ kind: "ahead", lag: 10 });
  });

  it("holds after an unknown spell only if the reading that ends it is at the bound", () => {
    const gate = new LookAheadGate(policy);
    gate.recordLag(2, gate.settled);
    expect(gate.decide(0).kind).toBe("room");
    gate.recordFailure(0);
    expect(gate.decide(40_000).kind).toBe("unknown");
    // The hold was for want of a figure, not for the lag: 9 leaves room.
    gate.recordLag(9, gate.settled);
    expect(gate.decide(41_000)).toEqual({ kind: "room", lag: 9 });
  });

  it("refuses a bound below one and a resume ratio outside (0, 1]", () => {
    expect(() => new LookAheadGate({ ...policy, maxAhead: 0 })).toThrow(RangeError);
    expect(() => new LookAheadGate({ ...policy, resumeRatio: 0 })).toThrow(RangeError);
    expect(() => new LookAheadGate({ ...policy, resumeRatio: 1.5 })).toThrow(RangeError);
  });
});
