import { describe, expect, it } from "vitest";
import { StderrTail } from "./stderr-tail.ts";

describe("StderrTail", () => {
  it("keeps only the last bytes and reports the last non-empty line", () => {
    const tail = new StderrTail(20);
    tail.push(Buffer.from("first line that is long\n"));
    tail.push(Buffer.from("x: Invalid data\n\n"));
    expect(tail.text().length).toBeLessThanOrEqual(20);
    expect(tail.text()).toBe("ng\nx: Invalid data");
    expect(tail.lastLine()).toBe("x: Invalid data");
  });

  it("is empty when nothing was written", () => {
    expect(new StderrTail().lastLine()).toBe("");
  });
});
