import { describe, expect, it } from "vitest";
import { MAX_LISTED_TENANTS, OTHER_TENANTS, TenantTally } from "./tenant-tally.ts";

const NOW = 10 * 3_600_000;

describe("per-tenant status", () => {
  it("follows each job to its latest state and counts segments waiting, done and failed", () => {
    const tally = new TenantTally(NOW);
    tally.jobEvent("JobRequested", "acme", "j1");
    tally.jobEvent("JobRequested", "acme", "j2");
    tally.jobEvent("JobSegmented", "acme", "j2", 10);
    tally.jobEvent("JobRequested", "acme", "j3");
    tally.jobEvent("JobSegmented", "acme", "j3", 4);
    tally.jobEvent("JobCompleted", "acme", "j3");
    tally.jobEvent("JobRequested", "acme", "j4");
    tally.jobEvent("JobFailed", "acme", "j4");
    for (let i = 0; i < 7; i++) tally.result("acme", NOW - 1000, 500, true);
    tally.deadLetter("acme");
    expect(tally.report()).toEqual([
      { tenant: "acme", jobs: { queued: 1, inFlight: 1, done: 1, failed: 1 }, segments: { waiting: 6, done: 7, failed: 1 }, asrShareLastHour: 1 },
    ]);
  });

  it("divides the last hour's ASR time among tenants, leaving older results out", () => {
    const tally = new TenantTally(NOW);
    tally.result("a", NOW - 60_000, 3000, true);
    tally.result("b", NOW - 60_000, 1000, true);
    tally.result("b", NOW - 2 * 3_600_000, 50_000, true);
    const shares = Object.fromEntries(tally.report().map((r) => [r.tenant, r.asrShareLastHour]));
    expect(shares).toEqual({ a: 0.75, b: 0.25 });
  });

  it("lists the busiest tenants and sums the rest into one row", () => {
    const tally = new TenantTally(NOW);
    for (let i = 0; i < 30; i++) {
      tally.jobEvent("JobRequested", `t${i}`, "j");
      tally.jobEvent("JobSegmented", `t${i}`, "j", i);
    }
    const rows = tally.report();
    expect(rows).toHaveLength(MAX_LISTED_TENANTS);
    expect(rows[0]?.tenant).toBe("t29");
    const others = rows.at(-1);
    expect(others?.tenant).toBe(OTHER_TENANTS);
    // t0..t10 are summed: 11 jobs in flight, 0+1+…+10 segments waiting.
    expect(others?.jobs.inFlight).toBe(11);
    expect(others?.segments.waiting).toBe(55);
  });
});
