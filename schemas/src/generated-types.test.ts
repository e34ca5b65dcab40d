import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED_TYPES_FILE, generateTypes } from "./type-generator.ts";

describe("generated types", () => {
  it("src/generated/types.ts matches the .avsc files", () => {
    const committed = readFileSync(GENERATED_TYPES_FILE, "utf8");
    expect(
      committed,
      "src/generated/types.ts is out of date with schemas/avro: run `npm run gen:types -w @lingostream/schemas`",
    ).toBe(generateTypes());
  });

  it("types the asr.jobs union in avsc's wrapped form and nullable unions as T | null", () => {
    const text = generateTypes();
    expect(text).toContain('| { "io.lingostream.events.JobRequested": JobRequested }');
    expect(text).toContain("segment: AudioSegment | null;");
    expect(text).toContain("inlineAudio: Buffer | null;");
    expect(text).toContain('export type PressureLevel = "LOW" | "MODERATE" | "HIGH" | "CRITICAL";');
  });
});
