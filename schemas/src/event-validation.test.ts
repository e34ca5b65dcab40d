import { describe, expect, it } from "vitest";
import { sampleEvents, sampleSegment } from "../test/sample-events.ts";
import { invalidPaths } from "./event-validation.ts";
import { topicType } from "./topic-schemas.ts";

describe("invalidPaths", () => {
  it("is empty for a valid event", () => {
    expect(invalidPaths(topicType("segments"), sampleSegment())).toEqual([]);
  });

  it("names every bad field with what was expected and what came", () => {
    const bad = { ...sampleSegment(), index: 1.5, jobId: undefined, claimCheck: { ...sampleSegment().claimCheck, byteSize: "1kb" } };
    expect(invalidPaths(topicType("segments"), bad)).toEqual([
      "jobId: expected string, got undefined",
      "index: expected int (32-bit integer), got 1.5",
      "claimCheck.byteSize: expected long (safe integer number), got '1kb'",
    ]);
  });

  it("reports undeclared fields (typos) once the declared ones are right", () => {
    expect(invalidPaths(topicType("segments"), { ...sampleSegment(), inlineaudio: null })).toEqual([
      "inlineaudio: not a field of record io.lingostream.events.AudioSegment",
    ]);
  });

  it("explains the wrapped union when a job event is not wrapped by full name", () => {
    const [problem] = invalidPaths(topicType("jobs"), { event: { JobCompleted: {} } });
    expect(problem).toMatch(/^event: expected one of \{ "io\.lingostream\.events\.JobRequested": \.\.\. \}/);
  });

  it("walks into the chosen union branch", () => {
    const jobs = sampleEvents().jobs;
    const inner = Object.values(jobs.event)[0] as Record<string, unknown>;
    const bad = { event: { "io.lingostream.events.JobCompleted": { ...inner, eventTime: new Date(0) } } };
    expect(invalidPaths(topicType("jobs"), bad)).toEqual([
      expect.stringMatching(/^event\.io\.lingostream\.events\.JobCompleted\.eventTime: expected long .*, got 1970/),
    ]);
  });

  it("keeps huge values short in messages", () => {
    const [problem] = invalidPaths(topicType("results"), { ...sampleEvents().results, text: Buffer.alloc(10_000) });
    expect(problem?.length).toBeLessThan(140);
  });
});
