import { describe, expect, it } from "vitest";
import { SlotGate } from "./slot-gate.ts";

describe("slot gate", () => {
  it("lets at most limit() holders in at once across callers", async () => {
    const gate = new SlotGate();
    let peak = 0;
    const work = async () => {
      expect(await gate.acquire(() => 2, () => false)).toBe(true);
      peak = Math.max(peak, gate.inUse);
      await new Promise((r) => setTimeout(r, 5));
      gate.release();
    };
    await Promise.all(Array.from({ length: 8 }, work));
    expect(peak).toBe(2);
    expect(gate.inUse).toBe(0);
  });

  it("gives up without a slot when told to stop while waiting", async () => {
    const gate = new SlotGate();
    await gate.acquire(() => 1, () => false);
    let stopping = false;
    const waiting = gate.acquire(() => 1, () => stopping);
    stopping = true;
    gate.release();
    expect(await waiting).toBe(false);
    expect(gate.inUse).toBe(0);
  });

  it("follows a limit that rises while callers wait", async () => {
    const gate = new SlotGate();
    let limit = 1;
    await gate.acquire(() => limit, () => false);
    const second = gate.acquire(() => limit, () => false);
    limit = 2;
    expect(await second).toBe(true);
    expect(gate.inUse).toBe(2);
  });
});
