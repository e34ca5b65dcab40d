import { describe, expect, it } from "vitest";
import { asrSpec } from "./config.ts";
import { EnginePool } from "./engine-pool.ts";
import type { AsrEngine } from "./engines/engine.ts";
import { loadConfig } from "@lingostream/runtime";

function counting() {
  const made: { engine: AsrEngine; closed: boolean }[] = [];
  const factory = () => {
    const entry = { closed: false, engine: undefined as unknown as AsrEngine };
    entry.engine = {
      name: "deterministic",
      transcribe: async () => ({ language: "en", words: [], text: "" }),
      close: async () => {
        entry.closed = true;
      },
    };
    made.push(entry);
    return entry.engine;
  };
  return { made, pool: new EnginePool(loadConfig(asrSpec, {}), factory) };
}

describe("EnginePool.closeIdle", () => {
  it("closes idle engines beyond the number kept, longest idle first, and never one in use", async () => {
    const { made, pool } = counting();
    const leases = await Promise.all([1, 2, 3].map(() => pool.acquire("deterministic")));
    leases[0]!.release();
    leases[1]!.release();
    expect(pool.idleCount).toBe(2);
    expect(await pool.closeIdle(1)).toBe(1);
    expect(made.map((m) => m.closed)).toEqual([true, false, false]);
    expect(await pool.closeIdle(0)).toBe(1);
    expect(made.map((m) => m.closed)).toEqual([true, true, false]);
    // The slot is rebuilt on demand; the engine in use was left alone and closes with the pool.
    const again = await pool.acquire("deterministic");
    expect(made).toHaveLength(4);
    again.release();
    leases[2]!.release();
    await pool.close();
    expect(made.every((m) => m.closed)).toBe(true);
  });
});
