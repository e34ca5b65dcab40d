import { setTimeout as sleep } from "node:timers/promises";
import { PipelineError } from "@lingostream/errors";
import { exposeGc } from "@lingostream/testkit/expose-gc";
import { describe, expect, it } from "vitest";
import { HandleRegistry, type LeakReport, ReleasedHandleError, withHandle } from "./audio-handles.ts";

const gc = exposeGc();

/** FinalizationRegistry callbacks run in a task after a collection, so collect and yield until `done`. */
async function collectUntil(done: () => boolean, rounds = 50): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) {
    gc?.();
    await sleep(1);
  }
}

function fail(): never {
  throw new Error("transcription failed");
}

describe("buffer handles", () => {
  it("are released when a `using` block ends", () => {
    const registry = new HandleRegistry();
    const outer = (() => {
      using handle = registry.adopt(Buffer.alloc(8), "segment");
      expect(registry.live).toBe(1);
      expect(registry.liveBytes).toBe(8);
      return handle;
    })();
    expect(outer.released).toBe(true);
    expect(registry.live).toBe(0);
    expect(registry.liveBytes).toBe(0);
  });

  it("are released when the `using` block throws", () => {
    const registry = new HandleRegistry();
    let kept: { released: boolean } | undefined;
    expect(() => {
      using handle = registry.adopt(Buffer.alloc(8));
      kept = handle;
      fail();
    }).toThrow("transcription failed");
    expect(kept?.released).toBe(true);
    expect(registry.live).toBe(0);
  });

  it("are released by withHandle on success and on a thrown error", async () => {
    const registry = new HandleRegistry();
    expect(await withHandle(registry.adopt(Buffer.from("abc")), (h) => h.buffer.toString())).toBe("abc");
    const handle = registry.adopt(Buffer.alloc(4));
    await expect(
      withHandle(handle, async () => {
        await Promise.resolve();
        fail();
      }),
    ).rejects.toThrow("transcription failed");
    expect(handle.released).toBe(true);
    expect(registry.live).toBe(0);
  });

  it("release twice is harmless, and use after release fails loudly", () => {
    const registry = new HandleRegistry();
    const handle = registry.adopt(Buffer.alloc(4), "seg-1");
    handle.release();
    handle.release();
    expect(registry.live).toBe(0);
    expect(() => handle.buffer).toThrow(ReleasedHandleError);
    expect(() => handle.buffer).toThrow(/seg-1/);
  });

  it("a use after release is a PipelineError of its own code, never retried", () => {
    const handle = new HandleRegistry().adopt(Buffer.alloc(4), "seg-2");
    handle.release();
    expect(() => handle.buffer).toThrow(PipelineError);
    expect(() => handle.buffer).toThrow(expect.objectContaining({ name: "ReleasedHandleError", code: "use-after-release", retriable: false, details: { label: "seg-2" } }));
  });

  it.skipIf(!gc)("count a handle garbage-collected without release as a leak", async () => {
    const reports: LeakReport[] = [];
    const registry = new HandleRegistry({ onLeak: (r) => reports.push(r) });
    (() => {
      registry.adopt(Buffer.alloc(16), "forgotten");
    })();
    expect(registry.leaked).toBe(0);
    await collectUntil(() => registry.leaked > 0);
    expect(registry.leaked).toBe(1);
    expect(registry.live).toBe(0);
    expect(registry.liveBytes).toBe(0);
    expect(registry.countsFor("buffer")).toEqual({ live: 0, liveBytes: 0, leaked: 1 });
    expect(reports).toEqual([{ kind: "buffer", label: "forgotten", bytes: 16 }]);
  });

  it.skipIf(!gc)("never count a released handle as a leak once it is collected", async () => {
    const registry = new HandleRegistry();
    (() => {
      registry.adopt(Buffer.alloc(16)).release();
    })();
    let collected = false;
    const probe = new FinalizationRegistry(() => {
      collected = true;
    });
    (() => probe.register({}, 0))();
    // Once an object made after the handle has been finalized, the handle's turn has come and gone.
    await collectUntil(() => collected);
    await collectUntil(() => false, 3);
    expect(registry.leaked).toBe(0);
  });
});
