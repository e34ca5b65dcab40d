import { describe, expect, it } from "vitest";
import { InOrderOffsets } from "./in-order-offsets.ts";

describe("InOrderOffsets", () => {
  it("commits only the contiguous prefix of finished offsets", () => {
    const offsets = new InOrderOffsets();
    for (const o of ["10", "11", "12", "13"]) offsets.start(o);
    expect(offsets.finish("12")).toBeUndefined();
    expect(offsets.finish("11")).toBeUndefined();
    expect(offsets.finish("10")).toBe("12");
    expect(offsets.pending).toBe(1);
    expect(offsets.finish("13")).toBe("13");
    expect(offsets.pending).toBe(0);
  });

  it("handles offsets beyond 2^53", () => {
    const offsets = new InOrderOffsets();
    offsets.start("9007199254740993");
    expect(offsets.finish("9007199254740993")).toBe("9007199254740993");
  });
});
