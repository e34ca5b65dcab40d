import { PipelineError } from "@lingostream/runtime";
import { SerdeError } from "@lingostream/schemas";
import { describe, expect, it } from "vitest";
import { classifyRecordError } from "./bad-records.ts";
import { BadRecord } from "./errors.ts";

describe("classifyRecordError", () => {
  it("skips a record whose bytes or content can never decode, under the serde's or pipeline's code", () => {
    for (const [err, reason] of [
      [new SerdeError("malformed", "bad magic byte"), "malformed"],
      [new SerdeError("unknown-schema-id", "no schema 7"), "unknown-schema-id"],
      [new PipelineError("invalid-id", "bad job id"), "invalid-id"],
      [new PipelineError("oversize", "too big"), "oversize"],
      [new TypeError("x is undefined"), "malformed"],
      [new SyntaxError("bad JSON"), "malformed"],
    ] as const) {
      const classified = classifyRecordError(err);
      expect(classified).toBeInstanceOf(BadRecord);
      expect((classified as BadRecord).reason).toBe(reason);
      expect((classified as BadRecord).cause).toBe(err);
    }
  });

  it("keeps an outage as it is, so the partition pauses and retries instead of skipping", () => {
    for (const err of [
      new SerdeError("registry-unavailable", "registry down"),
      new PipelineError("storage-unavailable", "S3 down", { retriable: true }),
      new Error("connect ECONNREFUSED"),
    ]) {
      expect(classifyRecordError(err)).toBe(err);
    }
  });
});
