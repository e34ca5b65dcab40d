import { parseTenantTable, TenantTable } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { type Claim, FairGate } from "./fair-gate.ts";

/** A gate whose grants are recorded in order; `settle` releases the oldest running one. */
function harness(slots: number, tenants = new TenantTable()) {
  let limit = slots;
  const gate = new FairGate({ limit: () => limit, tenants });
  const granted: string[] = [];
  const running: string[] = [];
  const offer = (claim: Partial<Claim> & { tenant: string }, label = claim.tenant) =>
    gate.request({ priority: "normal", cost: 30, ...claim }, () => {
      granted.push(label);
      running.push(claim.tenant);
    });
  const settle = (count = 1) => {
    for (let i = 0; i < count; i++) {
      const tenant = running.shift();
      if (tenant !== undefined) gate.release(tenant);
    }
  };
  return { gate, granted, running, offer, settle, setLimit: (n: number) => (limit = n) };
}

function count(labels: string[], label: string): number {
  return labels.filter((l) => l === label).length;
}

describe("fair gate", () => {
  it("gives a tenant arriving behind another's backlog every other slot", () => {
    const h = harness(2);
    for (let i = 0; i < 100; i++) h.offer({ tenant: "a" });
    expect(h.granted).toEqual(["a", "a"]);
    for (let i = 0; i < 5; i++) h.offer({ tenant: "b" });
    h.settle(10);
    expect(h.granted.slice(2)).toEqual(["b", "a", "b", "a", "b", "a", "b", "a", "b", "a"]);
  });

  it("shares slots by weight while both tenants are backlogged", () => {
    const h = harness(2, parseTenantTable("a:weight=3;b:weight=1"));
    for (let i = 0; i < 1000; i++) {
      h.offer({ tenant: "a" });
      h.offer({ tenant: "b" });
    }
    h.settle(400);
    const window = h.granted.slice(2, 402);
    expect(count(window, "a")).toBeGreaterThanOrEqual(299);
    expect(count(window, "a")).toBeLessThanOrEqual(301);
  });

  it("shares by audio seconds, not segment count", () => {
    const h = harness(1);
    for (let i = 0; i < 100; i++) {
      h.offer({ tenant: "long", cost: 40 });
      h.offer({ tenant: "short", cost: 10 });
    }
    h.settle(50);
    // 51 grants: 40 of 10 s and 10 of 40 s (plus one) give each 400 s.
    expect(Math.abs(count(h.granted, "short") * 10 - count(h.granted, "long") * 40)).toBeLessThanOrEqual(40);
  });

  it("lets a tenant that was idle bank no credit", () => {
    const h = harness(1);
    for (let i = 0; i < 200; i++) h.offer({ tenant: "a" });
    h.settle(100);
    for (let i = 0; i < 50; i++) h.offer({ tenant: "b" });
    h.settle(6);
    expect(h.granted.slice(-6).sort()).toEqual(["a", "a", "a", "b", "b", "b"]);
  });

  it("lets high priority overtake its tenant's bulk without starving it, and not other tenants", () => {
    const h = harness(1);
    for (let i = 0; i < 50; i++) h.offer({ tenant: "a" }, "a-normal");
    for (let i = 0; i < 50; i++) h.offer({ tenant: "a", priority: "high" }, "a-high");
    for (let i = 0; i < 50; i++) h.offer({ tenant: "b" });
    h.settle(40);
    const window = h.granted.slice(1, 41);
    expect(count(window, "b")).toBe(20);
    expect(count(window, "a-high")).toBeGreaterThanOrEqual(15);
    expect(count(window, "a-high")).toBeLessThanOrEqual(17);
    expect(count(window, "a-normal")).toBeGreaterThanOrEqual(3);
  });

  it("holds a tenant at its in-flight limit and says so, granting others meanwhile", () => {
    const h = harness(3, parseTenantTable("a:maxInFlight=1"));
    for (let i = 0; i < 5; i++) h.offer({ tenant: "a" });
    expect(h.granted).toEqual(["a"]);
    expect(h.gate.snapshot().get("a")).toEqual({ waiting: 4, held: 4, inFlight: 1 });
    h.offer({ tenant: "b" });
    expect(h.granted).toEqual(["a", "b"]);
    h.settle();
    expect(h.granted).toEqual(["a", "b", "a"]);
    expect(h.gate.snapshot().get("a")).toEqual({ waiting: 3, held: 3, inFlight: 1 });
  });

  it("grants no more than the limit, and more once it rises", () => {
    const h = harness(2);
    for (let i = 0; i < 5; i++) h.offer({ tenant: "a" });
    h.setLimit(1);
    h.settle(2);
    expect(h.gate.inUse).toBe(1);
    h.setLimit(3);
    h.gate.dispatch();
    expect(h.gate.inUse).toBe(3);
  });

  it("forgets a withdrawn request and ignores withdrawing a granted one", () => {
    const h = harness(1);
    const first = h.offer({ tenant: "a" });
    const second = h.offer({ tenant: "a" }, "second");
    h.offer({ tenant: "a" }, "third");
    second.withdraw();
    first.withdraw();
    h.settle();
    expect(h.granted).toEqual(["a", "third"]);
    expect(h.gate.snapshot().get("a")).toEqual({ waiting: 0, held: 0, inFlight: 1 });
  });
});
