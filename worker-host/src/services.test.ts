import { ConfigError } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { loadServiceConfigs } from "./services.ts";

describe("service configuration", () => {
  it("reports a bad variable that several services read once, naming the entry", () => {
    let problems: string[] = [];
    try {
      loadServiceConfigs({ LINGOSTREAM_TENANTS: "acme:wieght=3" });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = (err as ConfigError).problems;
    }
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^LINGOSTREAM_TENANTS=.*entry "acme:wieght=3": unknown key "wieght"/);
  });
});
