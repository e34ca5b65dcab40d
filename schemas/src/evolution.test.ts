// The schema changes stay BACKWARD compatible: events written with the
// previous schemas (no AudioSegment.firstFailureTime, silent or priority, no
// JobRequested.priority, no
// SegmentsReplayed branch) are read by the current ones.

import { describe, expect, it } from "vitest";
import { sampleEvents, sampleSegment } from "../test/sample-events.ts";
import { jobEventValue, readJobEvent } from "./job-events.ts";
import { type AvroRecordSchema, parseSchema, topicSchema, topicType } from "./topic-schemas.ts";

type Json = Record<string, unknown>;

/** The schema as it was before the named AudioSegment fields: every AudioSegment definition without them. */
function withoutSegmentFields(schema: AvroRecordSchema, ...names: string[]): AvroRecordSchema {
  const copy = structuredClone(schema) as Json;
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(strip);
    else if (node && typeof node === "object") {
      const n = node as Json;
      if (n.type === "record" && n.name === "AudioSegment") n.fields = (n.fields as Json[]).filter((f) => !names.includes(f.name as string));
      for (const value of Object.values(n)) strip(value);
    }
  };
  strip(copy);
  return copy as AvroRecordSchema;
}

describe("schema evolution for replay", () => {
  it("reads an AudioSegment written before firstFailureTime existed as null", () => {
    const older = parseSchema(withoutSegmentFields(topicSchema("segments"), "firstFailureTime", "silent", "priority"));
    const { firstFailureTime: _new, silent: _newer, priority: _newest, ...oldValue } = sampleSegment();
    const reader = topicType("segments");
    const decoded = reader.fromBuffer(older.toBuffer(oldValue), reader.createResolver(older));
    expect(decoded).toEqual({ ...oldValue, firstFailureTime: null, silent: false, priority: "normal" });
  });

  it("reads a SegmentFailed whose embedded segment predates firstFailureTime", () => {
    const older = parseSchema(withoutSegmentFields(topicSchema("segmentsFailed"), "firstFailureTime", "silent", "priority"));
    const failed = sampleEvents().segmentsFailed;
    const { firstFailureTime: _new, silent: _newer, priority: _newest, ...oldSegment } = sampleSegment();
    const reader = topicType("segmentsFailed");
    const decoded = reader.fromBuffer(older.toBuffer({ ...failed, segment: oldSegment }), reader.createResolver(older)) as { segment: unknown };
    expect(decoded.segment).toEqual({ ...oldSegment, firstFailureTime: null, silent: false, priority: "normal" });
  });

  it("writes an AudioSegment built without silent as not silent, and keeps silent: true", () => {
    const type = topicType("segments");
    const { silent: _omitted, ...built } = sampleSegment();
    expect(type.isValid(built, { noUndeclaredFields: true })).toBe(true);
    expect(type.fromBuffer(type.toBuffer(built))).toMatchObject({ silent: false });
    expect(type.fromBuffer(type.toBuffer({ ...built, silent: true }))).toMatchObject({ silent: true });
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

  it("reads a JobRequested written before priority existed as normal, and keeps high", () => {
    const previous = structuredClone(topicSchema("jobs")) as Json;
    const eventField = (previous.fields as Json[])[0] as Json;
    for (const branch of eventField.type as Json[]) {
      if (branch.name === "JobRequested") branch.fields = (branch.fields as Json[]).filter((f) => f.name !== "priority");
    }
    const older = parseSchema(previous);
    const reader = topicType("jobs");
    const body = { tenant: "acme", jobId: "job-1", source: "/a.wav", sourceName: "a.wav", language: "en", engine: "whisper", producerId: "cli-1", eventTime: 1 };
    const old = readJobEvent(reader.fromBuffer(older.toBuffer(jobEventValue("JobRequested", body)), reader.createResolver(older)));
    expect(old).toEqual({ type: "JobRequested", event: { ...body, priority: "normal" } });
    const high = readJobEvent(reader.fromBuffer(reader.toBuffer(jobEventValue("JobRequested", { ...body, priority: "high" }))));
    expect(high).toMatchObject({ event: { priority: "high" } });
  });
});
