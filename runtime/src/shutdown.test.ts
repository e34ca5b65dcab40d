import { describe, expect, it } from "vitest";
import { Shutdown } from "./shutdown.ts";

describe("Shutdown", () => {
  it("runs the closers newest first and aborts its signal", async () => {
    const shutdown = new Shutdown();
    const closed: string[] = [];
    shutdown.add("store", () => void closed.push("store"));
    shutdown.add("services", async () => void closed.push("services"));
    await shutdown.close();
    expect(closed).toEqual(["services", "store"]);
    expect(shutdown.signal.aborted).toBe(true);
  });

  it("still runs a closer added after closing, and close() settles after it", async () => {
    const shutdown = new Shutdown();
    const closed: string[] = [];
    shutdown.add("services", () => void closed.push("services"));
    await shutdown.close();
    // Something that finished starting after the signal registers its closer now.
    shutdown.add("metrics", () => new Promise<void>((r) => setImmediate(r)).then(() => void closed.push("metrics")));
    await shutdown.close();
    expect(closed).toEqual(["services", "metrics"]);
  });

  it("runs the later closers when one fails", async () => {
    const shutdown = new Shutdown();
    const closed: string[] = [];
    shutdown.add("store", () => void closed.push("store"));
    shutdown.add("services", () => {
      throw new Error("stop failed");
    });
    await shutdown.close();
    expect(closed).toEqual(["store"]);
  });
});
