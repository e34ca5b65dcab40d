import { describe, expect, it } from "vitest";
import { type CapacityAssumptions, capacityPlan, heldBytes, partitionsFor } from "./capacity-plan.ts";
import type { CapacityInputs, Figure, TopicFigures } from "./capacity-plan-inputs.ts";

const f = (value: number): Figure => ({ value, source: "test" });
const WEEK_MS = 7 * 86_400_000;
const topic = (name: string): TopicFigures => ({ name, partitions: 12, replicationFactor: 3, retentionMs: WEEK_MS });

/** Round numbers, so every expected figure below can be worked out by hand. */
const inputs: CapacityInputs = {
  segmentSeconds: f(30),
  pocketsphinxCpu: f(0.2),
  whisperTinyCpu: f(0.1),
  pipelineEfficiency: f(0.5),
  pipelineCpu: f(0.01),
  sinkResultsPerSecond: f(0.25),
  sinkBytesPerAudioHour: f(1000),
  keptBytesPerAudioHourAtOneWord: f(400),
  audioBytesPerSegment: f(1000),
  segmentEventBytes: f(100),
  resultEventBytes: f(200),
  segmentKeyBytes: f(10),
  resultKeyBytes: f(20),
  twoProcessSpeedup: undefined,
  segmentsTopic: topic("asr.segments"),
  resultsTopic: { ...topic("asr.results"), retentionMs: 30 * 86_400_000 },
};

const assumptions: CapacityAssumptions = {
  // 240 h = 864,000 audio seconds, 28,800 segments of 30 s.
  backlogHours: 240,
  wallDays: [1, 14],
  asrCoresPerReplica: 2,
  defaultAsrReplicas: 12,
  assumedScalingEfficiency: 1,
  recordOverheadBytes: 0,
  whisperServer: { audioSecondsPerSecond: 5, requestRealTimeFactor: 0.5, slotsPerReplica: 4 },
};

describe("capacity plan", () => {
  const plan = capacityPlan(inputs, assumptions);
  const [day, fortnight] = plan.perWallTime;

  it("sizes a CPU engine as audio × CPU per audio second over the pipeline's efficiency and the wall time", () => {
    expect(plan.audioSeconds).toBe(864_000);
    expect(plan.segments).toBe(28_800);
    // 864,000 × 0.2 / 0.5 = 345,600 core-seconds: 4 cores for a day, 2 replicas of 2 cores.
    expect(plan.pocketsphinxCoreSeconds).toBeCloseTo(345_600, 6);
    expect(day!.pocketsphinx).toEqual({ asrCores: 4, asrReplicas: 2, segmentPartitions: 2 });
    expect(day!.whisperTiny).toEqual({ asrCores: 2, asrReplicas: 1, segmentPartitions: 1 });
    // Over 14 days the same work needs a fraction of a core: still one, never zero.
    expect(fortnight!.pocketsphinx).toEqual({ asrCores: 1, asrReplicas: 1, segmentPartitions: 1 });
    // The chart's default 12 × 2 cores: 345,600 / 24 / 86,400 days.
    expect(plan.defaultFleetDays.pocketsphinx).toBeCloseTo(1 / 6, 10);
  });

  it("sizes a Whisper server by its throughput and the ASR slots by Little's law", () => {
    // 10 audio s/s to do: 2 servers of 5; each request holds a slot 0.5 s per audio second, so 5 in flight, 2 replicas of 4.
    expect(day!.whisperServer).toEqual({ asrCores: 0, asrReplicas: 2, segmentPartitions: 2, servers: 2, slotsInFlight: 5 });
  });

  it("divides the work by the measured scaling efficiency once the scaling benchmark has one", () => {
    const scaled = capacityPlan({ ...inputs, twoProcessSpeedup: f(1.6) }, assumptions);
    expect(scaled.scalingMeasured).toBe(true);
    expect(scaled.scalingEfficiency).toBeCloseTo(0.8, 10);
    // 345,600 / 0.8 = 432,000 core-seconds: 5 cores for a day, 3 replicas.
    expect(scaled.perWallTime[0]!.pocketsphinx).toEqual({ asrCores: 5, asrReplicas: 3, segmentPartitions: 3 });
    expect(plan.scalingMeasured).toBe(false);
    expect(plan.scalingEfficiency).toBe(1);
  });

  it("holds a topic's last retention of records, times its replicas; all of them when the run is shorter", () => {
    expect(heldBytes(1000, 14 * 86_400, topic("t"))).toBe(1500);
    expect(heldBytes(1000, 86_400, topic("t"))).toBe(3000);
    // One day: every segment record (28,800 × 110 B) and every result (28,800 × 220 B), three copies each.
    expect(day!.kafkaSegmentsBytes).toBe(28_800 * 110 * 3);
    expect(day!.kafkaResultsBytes).toBe(28_800 * 220 * 3);
    // Fourteen days: asr.segments keeps the last 7 only; asr.results (30 d) keeps everything.
    expect(fortnight!.kafkaSegmentsBytes).toBe((28_800 * 110 * 3) / 2);
    expect(fortnight!.kafkaResultsBytes).toBe(28_800 * 220 * 3);
    expect(fortnight!.hoursPerSegmentsRetention).toBe(120);
  });

  it("counts the sinks, the cores besides the engine and the S3 bytes from the per-hour figures", () => {
    expect(day!.resultsPerSecond).toBeCloseTo(1 / 3, 10);
    expect(day!.sinkReplicas).toBe(2);
    expect(day!.pipelineCores).toBe(1);
    expect(plan.s3KeptBytes).toBe(240_000);
    expect(plan.s3AudioBytesPerHour).toBe(120_000);
    expect(plan.s3AudioBytesWholeBacklog).toBe(28_800_000);
  });

  it("gives every ASR replica a partition of asr.segments", () => {
    expect(partitionsFor(61)).toBe(61);
    expect(partitionsFor(0)).toBe(1);
  });
});
