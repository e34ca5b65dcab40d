import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";
import { type TopicSpec, topicPartitionsSpec, withConfiguredPartitions } from "./topic-admin.ts";

const spec = (key: TopicSpec["key"], partitions: number): TopicSpec => ({ key, name: `asr.${key}`, partitions, replicationFactor: 3, config: {} });
const specs = [spec("jobs", 6), spec("segments", 12), spec("results", 12), spec("memoryPressure", 3)];

describe("configured partition counts", () => {
  it("keep topics.json's counts when unset", () => {
    expect(withConfiguredPartitions(specs, loadConfig(topicPartitionsSpec, {}))).toEqual(specs);
  });

  it("replace the count of each topic whose variable is set, and only that one", () => {
    const config = loadConfig(topicPartitionsSpec, { LINGOSTREAM_TOPIC_SEGMENTS_PARTITIONS: "24", LINGOSTREAM_TOPIC_RESULTS_PARTITIONS: "16" });
    expect(withConfiguredPartitions(specs, config).map((s) => [s.key, s.partitions])).toEqual([
      ["jobs", 6],
      ["segments", 24],
      ["results", 16],
      ["memoryPressure", 3],
    ]);
  });

  it("refuse a count below one, naming the variable", () => {
    expect(() => loadConfig(topicPartitionsSpec, { LINGOSTREAM_TOPIC_JOBS_PARTITIONS: "0" })).toThrow(/LINGOSTREAM_TOPIC_JOBS_PARTITIONS/);
  });
});
