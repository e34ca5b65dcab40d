import { jobEventValue } from "@lingostream/schemas";
import { describe, expect, it } from "vitest";
import { JobHistory } from "./job-history.ts";

const base = { tenant: "t", producerId: "p", eventTime: 1 };
const requested = (jobId: string) => jobEventValue("JobRequested", { ...base, jobId, source: "/a", sourceName: "a", language: "en", engine: "e" });
const segmented = (jobId: string, segmentCount: number) => jobEventValue("JobSegmented", { ...base, jobId, segmentCount, durationSeconds: 60 });
const completed = (jobId: string, failedCount = 0) =>
  jobEventValue("JobCompleted", {
    ...base,
    jobId,
    segmentCount: 2,
    transcribedCount: 2 - failedCount,
    failedCount,
    transcriptKeys: { json: "j", srt: "s", vtt: "v" },
  });
const failed = (jobId: string) => jobEventValue("JobFailed", { ...base, jobId, stage: "segmenter", reason: "corrupt-media", message: "bad" });

describe("job history", () => {
  it("folds each job's events into its last state", () => {
    const history = new JobHistory(["a", "b", "c", "d"]);
    for (const v of [requested("a"), requested("b"), segmented("b", 4), requested("c"), segmented("c", 2), completed("c"), requested("d"), failed("d")]) history.offer(v);
    expect(history.state("a")).toEqual({ status: "in-flight" });
    expect(history.state("b")).toEqual({ status: "in-flight", segmentCount: 4 });
    expect(history.state("c")).toMatchObject({ status: "completed", completed: { jobId: "c", failedCount: 0 } });
    expect(history.state("d")).toMatchObject({ status: "failed", failure: { reason: "corrupt-media" } });
  });

  it("treats a job requested again after a failure as in flight, and ignores other jobs and junk", () => {
    const history = new JobHistory(["a"]);
    for (const v of [requested("a"), failed("a"), requested("a"), requested("zzz"), { not: "an event" }, null]) history.offer(v);
    expect(history.state("a")).toEqual({ status: "in-flight" });
    expect(history.state("zzz")).toEqual({ status: "new" });
  });

  it("keeps the latest JobCompleted of a repaired job", () => {
    const history = new JobHistory(["a"]);
    for (const v of [requested("a"), segmented("a", 2), completed("a", 1), completed("a", 0)]) history.offer(v);
    expect(history.state("a")).toMatchObject({ status: "completed", completed: { failedCount: 0 } });
  });
});
