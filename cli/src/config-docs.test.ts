import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { withConfigDocs } from "./config-docs.ts";

describe("README configuration table", () => {
  it("matches the config specs (regenerate with `npm run docs:config`)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(withConfigDocs(readme)).toBe(readme);
  });
});
