// The schema changes made for replay stay BACKWARD compatible: events written
// with the previous schemas (no AudioSegment.firstFailureTime, no
// SegmentsReplayed branch) are read by the current ones.

import { describe, expect, it } from "vitest";
import { sampleEvents, sampleSegment } from "../test/sample-events.ts";
import { jobEventValue, readJobEvent } from "./job-events.ts";
import { parseSchema, topicSchema, topicType, type AvroRecordSchema } from "./topic-schemas.ts";

type Json = Record<string, unknown>;

/** The schema as it was before firstFailureTime: every AudioSegment definition without it. */
function withoutFirstFailureTime(schema: AvroRecordSchema): AvroRecordSchema {
  const copy = structuredClone(schema) as Json;
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(strip);
    else if (node && typeof node === "object") {
      const n = node as Json;
      if (n.type === "record" && n.name === "AudioSegment") n.fields = (n.fields as Json[]).filter((f) => f.name !== "firstFailureTime");
      for (const value of Object.values(n)) strip(value);
    }
  };
  strip(copy);
  return copy as AvroRecordSchema;
}

describe("schema evolution for replay", () => {
  it("reads an AudioSegment written before firstFailureTime existed as null", () => {
    const older = parseSchema(withoutFirstFailureTime(topicSchema("segments")));
    const { firstFailureTime: _new, ...oldValue } = sampleSegment();
    const reader = topicType("segments");
    const decoded = reader.fromBuffer(older.toBuffer(oldValue), reader.createResolver(older));
    expect(decoded).toEqual({ ...oldValue, firstFailureTime: null });
  });

  it("reads a SegmentFailed whose embedded segment predates firstFailureTime", () => {
    const older = parseSchema(withoutFirstFailureTime(topicSchema("segmentsFailed")));
    const failed = sampleEvents().segmentsFailed;
    const { firstFailureTime: _new, ...oldSegment } = sampleSegment();
    const reader = topicType("segmentsFailed");
    const decoded = reader.fromBuffer(older.toBuffer({ ...failed, segment: oldSegment }), reader.createResolver(older)) as { segment: unknown };
    expect(decoded.segment).toEqual({ ...oldSegment, firstFailureTime: null });
  });

  it("reads job events written before SegmentsReplayed existed, and writes the new branch", () => {
    const previous = structuredClone(topicSchema("jobs")) as Json;
    const eventField = (previous.fields as Json[])[0] as Json;
    eventField.type = (eventField.type as Json[]).filter((b) => b.name !== "SegmentsReplayed");
    const older = parseSchema(previous);
    const reader = topicType("jobs");
    const completed = sampleEvents().jobs;
    expect(readJobEvent(reader.fromBuffer(older.toBuffer(completed), reader.createResolver(older)))).toEqual(readJobEvent(completed));

    const replayed = jobEventValue("SegmentsReplayed", {
      tenant: "acme",
      jobId: "job-1",
      replayId: "replay-1",
      segmentIds: ["job-1-000003", "job-1-000007"],
      count: 2,
      producerId: "cli-1",
      eventTime: 3,
    });
    expect(reader.isValid(replayed, { noUndeclaredFields: true })).toBe(true);
    expect(readJobEvent(reader.fromBuffer(reader.toBuffer(replayed)))).toMatchObject({ type: "SegmentsReplayed", event: { count: 2 } });
  });
});
