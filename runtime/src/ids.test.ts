import { describe, expect, it } from "vitest";
import { assertValidId, isValidId, slugify } from "./ids.ts";

describe("ids", () => {
  it.each(["job-1", "Tenant_A", "a.b-c", "0"])("accepts %s", (id) => expect(isValidId(id)).toBe(true));

  it.each(["", "../etc", "/abs", "a/b", "a..b", "nul\u0000", "ctl\u0007", "-dash", "x".repeat(129), "ünï"])(
    "rejects %j",
    (id) => expect(isValidId(id)).toBe(false),
  );

  it("names the kind of id and the allowed pattern in the error", () => {
    expect(() => assertValidId("tenant", "../x")).toThrow(/invalid tenant "..\/x".*letters, digits/);
  });

  it("turns hostile file names into valid ids", () => {
    for (const name of ["../../etc/passwd", "\u0000\u0001", "-rf", "名前.mp4", "a".repeat(300), "x\uFFFDy.wav"]) {
      expect(isValidId(slugify(name))).toBe(true);
    }
    expect(slugify("My Talk (2024).mp4")).toBe("My-Talk-2024.mp4");
  });
});
