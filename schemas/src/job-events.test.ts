import { describe, expect, it } from "vitest";
import { sampleEvents } from "../test/sample-events.ts";
import { jobEventValue, readJobEvent } from "./job-events.ts";
import { topicType } from "./topic-schemas.ts";

describe("job events", () => {
  const segmented = { tenant: "acme", jobId: "job-1", segmentCount: 3, durationSeconds: 61.5, producerId: "seg-1", eventTime: 1 };

  it("wraps a body under its Avro full name, as avsc expects", () => {
    expect(jobEventValue("JobSegmented", segmented)).toEqual({ event: { "io.lingostream.events.JobSegmented": segmented } });
    expect(topicType("jobs").isValid(jobEventValue("JobSegmented", segmented))).toBe(true);
  });

  it("reads what avsc decodes into a type and its body", () => {
    const type = topicType("jobs");
    const decoded: unknown = type.fromBuffer(type.toBuffer(jobEventValue("JobSegmented", segmented)));
    const tagged = readJobEvent(decoded);
    expect(tagged.type).toBe("JobSegmented");
    if (tagged.type === "JobSegmented") expect(tagged.event.segmentCount).toBe(3);
  });

  it("round-trips every type, JobFailed included", () => {
    const completed = readJobEvent(sampleEvents().jobs);
    expect(completed.type).toBe("JobCompleted");
    expect(readJobEvent(jobEventValue(completed.type, completed.event as never))).toEqual(completed);
    const failed = jobEventValue("JobFailed", {
      tenant: "acme",
      jobId: "job-2",
      stage: "segmenter",
      reason: "corrupt-media",
      message: "ffmpeg: invalid data found when processing input",
      producerId: "seg-1",
      eventTime: 2,
    });
    const type = topicType("jobs");
    expect(readJobEvent(type.fromBuffer(type.toBuffer(failed)))).toMatchObject({ type: "JobFailed", event: { stage: "segmenter" } });
  });

  it("refuses values that are not a single wrapped branch", () => {
    expect(() => readJobEvent({ event: {} })).toThrow(/not a wrapped job event/);
    expect(() => readJobEvent({ event: { JobSegmented: segmented } })).toThrow(/not a wrapped job event/);
    expect(() => readJobEvent(null)).toThrow(/not a wrapped job event/);
  });
});
