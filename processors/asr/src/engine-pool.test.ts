import { loadConfig } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { asrSpec, type EngineName } from "./config.ts";
import { DECODER_MEMORY_BYTES, EnginePool } from "./engine-pool.ts";
import type { AsrEngine } from "./engines/engine.ts";

const MiB = 1024 * 1024;

/** Fake engines standing for decoders: each records whether it was closed (its process ended). */
function counting(options: { limit?: () => number } = {}) {
  const made: { name: EngineName; engine: AsrEngine; closed: boolean }[] = [];
  const factory = (name: EngineName) => {
    const entry = { name, closed: false, engine: undefined as unknown as AsrEngine };
    entry.engine = {
      name,
      transcribe: async () => ({ language: "en", words: [], text: "" }),
      close: async () => {
        entry.closed = true;
      },
    };
    made.push(entry);
    return entry.engine;
  };
  return { made, pool: new EnginePool(loadConfig(asrSpec, {}), factory, options) };
}

describe("EnginePool.closeIdle", () => {
  it("keeps at most the given number of engines in all, closing the longest idle first and never one in use", async () => {
    const { made, pool } = counting();
    const leases = await Promise.all([1, 2, 3].map(() => pool.acquire("deterministic")));
    leases[0]!.release();
    leases[1]!.release();
    expect(pool.idleCount).toBe(2);
    expect(await pool.closeIdle(2)).toBe(1);
    expect(made.map((m) => m.closed)).toEqual([true, false, false]);
    expect(await pool.closeIdle(0)).toBe(1);
    expect(made.map((m) => m.closed)).toEqual([true, true, false]);
    expect(pool.size).toBe(1);
    // The slot is rebuilt on demand; the engine in use was left alone and closes with the pool.
    const again = await pool.acquire("deterministic");
    expect(made).toHaveLength(4);
    again.release();
    leases[2]!.release();
    await pool.close();
    expect(made.every((m) => m.closed)).toBe(true);
  });

  it("at MODERATE ends idle whisper decoders beyond the slots the level allows, so the next one counts as a new decoder", async () => {
    const { made, pool } = counting();
    const leases = await Promise.all([1, 2].map(() => pool.acquire("whisper")));
    for (const lease of leases) lease.release();
    expect(pool.decoderBytesToAcquire("whisper")).toBe(0);
    // Two slots at LOW, one at MODERATE: the cleanup keeps one decoder.
    expect(await pool.closeIdle(1)).toBe(1);
    expect(made.map((m) => m.closed)).toEqual([true, false]);
    expect(pool.decoderBytesToAcquire("whisper")).toBe(0);
    // CRITICAL: none kept.
    expect(await pool.closeIdle(0)).toBe(1);
    expect(made.every((m) => m.closed)).toBe(true);
    expect(pool.decoderBytesToAcquire("whisper")).toBe(DECODER_MEMORY_BYTES.whisper);
  });
});

describe("EnginePool limit", () => {
  it("closes an engine released while the pool holds more than the level allows, and keeps it idle otherwise", async () => {
    let allowed = Number.POSITIVE_INFINITY;
    const { made, pool } = counting({ limit: () => allowed });
    const [a, b] = await Promise.all([pool.acquire("whisper"), pool.acquire("whisper")]);
    // Both slots were busy when the level rose to MODERATE: the cleanup found nothing idle.
    allowed = 1;
    a!.release();
    expect(made.map((m) => m.closed)).toEqual([true, false]);
    b!.release();
    expect(made.map((m) => m.closed)).toEqual([true, false]);
    expect(pool.size).toBe(1);
    expect(pool.idleCount).toBe(1);
    // Back to LOW: released engines stay idle for the next segment.
    allowed = Number.POSITIVE_INFINITY;
    const [c, d] = await Promise.all([pool.acquire("whisper"), pool.acquire("whisper")]);
    c!.release();
    d!.release();
    expect(pool.size).toBe(2);
    expect(made.filter((m) => m.closed)).toHaveLength(1);
    await pool.close();
  });
});

describe("EnginePool.decoderBytesToAcquire", () => {
  it("sizes a new whisper decoder by the configured model", () => {
    const base = new EnginePool(loadConfig(asrSpec, { LINGOSTREAM_WHISPER_MODEL: "base" }), () => {
      throw new Error("not started");
    });
    expect(base.decoderBytesToAcquire("whisper")).toBe(480 * MiB);
    expect(base.decoderBytesToAcquire("pocketsphinx")).toBe(DECODER_MEMORY_BYTES.pocketsphinx);
  });

  it("counts a decoder's memory only when no idle engine of that name waits", async () => {
    const { pool } = counting();
    expect(DECODER_MEMORY_BYTES.whisper).toBe(400 * MiB);
    expect(DECODER_MEMORY_BYTES.pocketsphinx).toBe(130 * MiB);
    expect(pool.decoderBytesToAcquire("whisper")).toBe(400 * MiB);
    const first = await pool.acquire("whisper");
    // In use: a second segment would start a second decoder.
    expect(pool.decoderBytesToAcquire("whisper")).toBe(400 * MiB);
    first.release();
    expect(pool.decoderBytesToAcquire("whisper")).toBe(0);
    // An idle decoder of another engine does not help.
    expect(pool.decoderBytesToAcquire("pocketsphinx")).toBe(130 * MiB);
    await pool.close();
  });

  it("always counts a process-per-segment decoder, and nothing for engines without a local decoder or unknown names", async () => {
    const { pool } = counting();
    (await pool.acquire("pocketsphinx-spawn")).release();
    expect(pool.decoderBytesToAcquire("pocketsphinx-spawn")).toBe(130 * MiB);
    expect(pool.decoderBytesToAcquire("deterministic")).toBe(0);
    expect(pool.decoderBytesToAcquire("openai")).toBe(0);
    expect(pool.decoderBytesToAcquire("kaldi")).toBe(0);
    await pool.close();
  });
});
