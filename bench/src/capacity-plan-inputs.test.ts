import { loadTopicSpecs } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { readCapacityResults } from "./capacity-plan-files.ts";
import { capacityInputs, type ResultsByName, wireBytes } from "./capacity-plan-inputs.ts";
import { SEGMENT_PCM_BYTES } from "./fixtures/audio.ts";
import { audioSegmentEvent, segmentTranscribedEvent } from "./fixtures/events.ts";
import type { BenchmarkResult, Row } from "./report.ts";

const committed = await readCapacityResults();
const topics = await loadTopicSpecs();

describe("capacity plan inputs", () => {
  it("takes each figure from its named row of the committed results and says which", () => {
    const inputs = capacityInputs(committed, topics);
    const engine = committed.engine!.rows.find((r) => r.what.startsWith("decoder CPU seconds per audio second"))!;
    expect(inputs.pocketsphinxCpu.value).toBe(engine.baseline!.value);
    expect(inputs.whisperTinyCpu.value).toBe(engine.subject.value);
    expect(inputs.pocketsphinxCpu.source).toContain("bench/results/engine.json");
    expect(inputs.pocketsphinxCpu.source).toContain("PocketSphinx");
    expect(inputs.segmentsTopic).toMatchObject({ name: "asr.segments", replicationFactor: 3, retentionMs: 7 * 86_400_000 });
  });

  it("fails naming the file and the row when a benchmark no longer has a row the plan reads", () => {
    const engine = committed.engine!;
    const renamed: ResultsByName = { ...committed, engine: { ...engine, rows: engine.rows.map((r) => ({ ...r, what: `${r.what} (renamed)` })) } };
    expect(() => capacityInputs(renamed, topics)).toThrow(/bench\/results\/engine\.json has no row "decoder CPU seconds per audio second/);
    const { backlog: _, ...withoutBacklog } = committed;
    expect(() => capacityInputs(withoutBacklog, topics)).toThrow(/bench\/results\/backlog\.json is missing/);
  });

  it("reads the scaling benchmark's two-process speed-up once it is there, and leaves it unmeasured before", () => {
    const { scaling: _, ...before } = committed;
    expect(capacityInputs(before, topics).twoProcessSpeedup).toBeUndefined();
    const pair: Row = {
      what: "two ASR processes vs one",
      baseline: { label: "1 process (mean span of the runs before and after)", value: 100, unit: "audio s/s" },
      subject: { label: "2 processes", value: 180, unit: "audio s/s" },
      ratio: 1.8,
    };
    const scaling = { ...committed.engine!, name: "scaling", rows: [pair] } as BenchmarkResult;
    expect(capacityInputs({ ...before, scaling: { ...scaling, mode: "full" } }, topics).twoProcessSpeedup).toEqual({
      value: 1.8,
      source: 'bench/results/scaling.json, row "two ASR processes vs one", ratio',
    });
    const quick = capacityInputs({ ...before, scaling: { ...scaling, mode: "quick", startedAt: "2026-11-30T11:00:43.622Z" } }, topics);
    expect(quick.twoProcessSpeedup?.source).toMatch(/, a --quick run of 2026-11-30$/);
  });

  it("encodes events as the throughput benchmark measured them through the registry, up to the producer id", () => {
    // The throughput benchmark's own inputs (bench/src/throughput.ts encodedSize), with this module's producer id.
    const ctx = { instanceId: "asr-worker-node-1-12345-a1b2c3", store: { bucket: "lingostream" } } as never;
    const audio = { key: "segments/bench/job/000000.wav", byteSize: SEGMENT_PCM_BYTES + 44, sha256: "0".repeat(64) };
    const segment = wireBytes("segments", audioSegmentEvent(ctx, "bench-job-0000000000", 0, audio, "deterministic"));
    const result = wireBytes("results", segmentTranscribedEvent(ctx, "bench-job-0000000000", 0, 30));
    const measured = (committed.throughput!.details as { raw: { sizes: { segmentEvent: number; resultEvent: number } } }).raw.sizes;
    // Both events carry the producer id once, so both differ from the measurement by the same few bytes.
    expect(segment - measured.segmentEvent).toBe(result - measured.resultEvent);
    expect(Math.abs(segment - measured.segmentEvent)).toBeLessThanOrEqual(16);
  });
});
