import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { formatSize, PLAN_END, PLAN_START, withCapacityPlan } from "./capacity-plan-doc.ts";
import { CAPACITY_DOC, renderCapacityTables } from "./capacity-plan-files.ts";

describe("docs/capacity.md", () => {
  it("quotes the plan the committed bench/results give (after a bench run: node --conditions=@lingostream/source bench/src/capacity-plan-main.ts)", async () => {
    const doc = await readFile(CAPACITY_DOC, "utf8");
    expect(doc).toBe(withCapacityPlan(doc, await renderCapacityTables()));
  });

  it("replaces only what lies between its markers, and refuses a doc without them", () => {
    const doc = `# Capacity\n\nprose\n\n${PLAN_START}\nold tables\n${PLAN_END}\n\nmore prose\n`;
    expect(withCapacityPlan(doc, "new tables")).toBe(`# Capacity\n\nprose\n\n${PLAN_START}\nnew tables\n${PLAN_END}\n\nmore prose\n`);
    expect(() => withCapacityPlan("# Capacity\n", "tables")).toThrow(/lacks the .* markers/);
  });

  it("writes sizes in binary units with one decimal", () => {
    expect(formatSize(512)).toBe("512 B");
    expect(formatSize(960_044)).toBe("937.5 KiB");
    expect(formatSize(1.5 * 2 ** 30)).toBe("1.5 GiB");
    expect(formatSize(11.5e12)).toBe("10.5 TiB");
  });
});
