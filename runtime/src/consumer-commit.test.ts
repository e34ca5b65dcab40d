import { describe, expect, it } from "vitest";
import { commitThrough, offsetAfter } from "./consumer-commit.ts";

describe("commitThrough", () => {
  it("commits the offset after the last one handled, past what a double can hold exactly", async () => {
    const committed: unknown[] = [];
    await commitThrough({ commitOffsets: async (offsets) => void committed.push(...offsets) }, "t", 3, "41");
    expect(committed).toEqual([{ topic: "t", partition: 3, offset: "42" }]);
    expect(offsetAfter("9007199254740993")).toBe("9007199254740994");
  });
});
