import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { kernelFileReader, readTextIfPresent } from "./read-text.ts";

const dir = mkdtempSync(join(tmpdir(), "read-text-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("kernel file readers", () => {
  it("read a file again from the start on every call, whatever its size", async () => {
    const path = join(dir, "meminfo");
    const big = "x".repeat(20_000);
    writeFileSync(path, big);
    const read = kernelFileReader();
    expect(await read(path)).toBe(big);
    writeFileSync(path, "MemTotal: 1 kB\n");
    expect(await read(path)).toBe("MemTotal: 1 kB\n");
    await read.close();
  });

  it("give undefined for an absent file, and find it once it appears", async () => {
    const path = join(dir, "memory.high");
    const read = kernelFileReader();
    expect(await read(path)).toBeUndefined();
    expect(await readTextIfPresent(path)).toBeUndefined();
    writeFileSync(path, "max\n");
    expect(await read(path)).toBe("max\n");
    await read.close();
  });
});
