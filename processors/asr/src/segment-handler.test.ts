import { PipelineError } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { NotAdmitted } from "./segment-handler.ts";

describe("NotAdmitted", () => {
  it("is a retriable memory-pressure PipelineError naming the segment", () => {
    const refused = new NotAdmitted("job-1-000004");
    expect(refused).toBeInstanceOf(PipelineError);
    expect(refused).toMatchObject({ name: "NotAdmitted", code: "memory-pressure", retriable: true, details: { segmentId: "job-1-000004" } });
    expect(refused.message).toBe("segment job-1-000004 refused by the local memory check");
  });
});
