// The arithmetic of docs/capacity.md: from measured figures and stated
// assumptions, the cores, replicas, partitions, Kafka and S3 storage and wall
// time a backlog needs. Pure, so a reader can rerun it with their own numbers.

import type { CapacityInputs, TopicFigures } from "./capacity-plan-inputs.ts";

const DAY_SECONDS = 86_400;
const HOUR_SECONDS = 3600;

export interface WhisperServerAssumptions {
  /** Audio seconds one server gets through per second when its request queue is kept full (1 / its real-time factor). */
  audioSecondsPerSecond: number;
  /** Wall seconds one request takes per audio second: how long a segment keeps an ASR slot waiting. */
  requestRealTimeFactor: number;
  /** ASR slots per replica for the openai engine (LINGOSTREAM_ASR_MAX_IN_FLIGHT; auto counts cores, which an HTTP engine does not need). */
  slotsPerReplica: number;
}

export interface CapacityAssumptions {
  backlogHours: number;
  /** Wall times to plan for, days. */
  wallDays: readonly number[];
  /** Cores per ASR replica for the CPU engines (the chart's asr.cpu). */
  asrCoresPerReplica: number;
  /** ASR replicas the chart runs at most by default (= its asr.segments partitions): the "what does the default give" row. */
  defaultAsrReplicas: number;
  /** Throughput of N replicas over N × one replica, while the scaling benchmark has not measured it. */
  assumedScalingEfficiency: number;
  /**
   * Kafka's on-disk bytes per record besides key and value: a v2 record batch
   * header (61 B) per send, since the workers send one record at a time, and
   * the record's own framing. capacity-plan-record-bytes.ts measures it.
   */
  recordOverheadBytes: number;
  whisperServer: WhisperServerAssumptions;
}

export const DEFAULT_ASSUMPTIONS: CapacityAssumptions = {
  backlogHours: 100_000,
  wallDays: [7, 14, 30],
  asrCoresPerReplica: 2,
  defaultAsrReplicas: 12,
  assumedScalingEfficiency: 1,
  recordOverheadBytes: 70,
  whisperServer: { audioSecondsPerSecond: 50, requestRealTimeFactor: 0.1, slotsPerReplica: 8 },
};

/** Sizing of one engine for one wall time. */
export interface EngineSizing {
  /** Cores the ASR replicas need (CPU engines), or their share for the openai engine's HTTP work. */
  asrCores: number;
  asrReplicas: number;
  /** asr.segments partitions: at least the ASR replicas, since a partition has one reader per group. */
  segmentPartitions: number;
  /** Whisper servers (openai engine only). */
  servers?: number;
  /** ASR slots that must be in flight to keep the servers busy (openai engine only). */
  slotsInFlight?: number;
}

export interface WallTimePlan {
  wallDays: number;
  pocketsphinx: EngineSizing;
  whisperTiny: EngineSizing;
  whisperServer: EngineSizing;
  /** Cores for the segmenters, sinks and the ASR's own work besides decoding (every engine). */
  pipelineCores: number;
  /** Results per second the sinks must take. */
  resultsPerSecond: number;
  sinkReplicas: number;
  /** Bytes asr.segments and asr.results hold at most, replicas included. */
  kafkaSegmentsBytes: number;
  kafkaResultsBytes: number;
  /** Hours of audio the processors get through within asr.segments' retention: the most that may wait segmented. */
  hoursPerSegmentsRetention: number;
}

export interface CapacityPlan {
  assumptions: CapacityAssumptions;
  audioSeconds: number;
  segments: number;
  /** Replicas' throughput over N × one: measured (scaling benchmark) or assumed. */
  scalingEfficiency: number;
  scalingMeasured: boolean;
  /** Core seconds of ASR work for the whole backlog, pipeline efficiency and scaling included. */
  pocketsphinxCoreSeconds: number;
  whisperTinyCoreSeconds: number;
  perWallTime: WallTimePlan[];
  /** Days the backlog takes on the chart's default maximum of ASR replicas. */
  defaultFleetDays: { pocketsphinx: number; whisperTiny: number };
  /** Bytes per segment in each topic, one copy: key, value and record overhead. */
  segmentRecordBytes: number;
  resultRecordBytes: number;
  /** S3 bytes a finished backlog keeps: transcripts, per-segment results, archive batches, job records. */
  s3KeptBytes: number;
  /** WAV claim checks per audio hour, deleted as each job completes. */
  s3AudioBytesPerHour: number;
  /** Claim checks held if the whole backlog is segmented before it is transcribed. */
  s3AudioBytesWholeBacklog: number;
}

/** One replica's partitions each: ASR partitions ≥ replicas (docs/architecture.md, README "Partitions"). */
export function partitionsFor(replicas: number): number {
  return Math.max(1, replicas);
}

/** Bytes a delete-policy topic holds when `totalBytes` arrive evenly over `wallSeconds`: the last retention's worth, times its replicas. */
export function heldBytes(totalBytes: number, wallSeconds: number, topic: TopicFigures): number {
  const share = Math.min(1, topic.retentionMs / 1000 / wallSeconds);
  return totalBytes * share * topic.replicationFactor;
}

function cpuSizing(coreSeconds: number, wallSeconds: number, coresPerReplica: number): EngineSizing {
  const asrCores = Math.ceil(coreSeconds / wallSeconds);
  const asrReplicas = Math.ceil(asrCores / coresPerReplica);
  return { asrCores, asrReplicas, segmentPartitions: partitionsFor(asrReplicas) };
}

/**
 * Servers from their throughput; slots from Little's law (segments in flight =
 * the rate they arrive × how long each request takes); replicas from slots.
 */
function serverSizing(audioSeconds: number, wallSeconds: number, server: WhisperServerAssumptions, scaling: number): EngineSizing {
  const audioPerSecond = audioSeconds / wallSeconds;
  const servers = Math.ceil(audioPerSecond / server.audioSecondsPerSecond);
  const slotsInFlight = Math.ceil(audioPerSecond * server.requestRealTimeFactor);
  const asrReplicas = Math.ceil(slotsInFlight / server.slotsPerReplica / scaling);
  return { asrCores: 0, asrReplicas, segmentPartitions: partitionsFor(asrReplicas), servers, slotsInFlight };
}

export function capacityPlan(inputs: CapacityInputs, assumptions: CapacityAssumptions = DEFAULT_ASSUMPTIONS): CapacityPlan {
  const audioSeconds = assumptions.backlogHours * HOUR_SECONDS;
  const segments = Math.ceil(audioSeconds / inputs.segmentSeconds.value);
  // Two processes against one: per-process efficiency is the speed-up over two.
  const scalingMeasured = inputs.twoProcessSpeedup !== undefined;
  const scalingEfficiency = inputs.twoProcessSpeedup ? inputs.twoProcessSpeedup.value / 2 : assumptions.assumedScalingEfficiency;
  const perCore = inputs.pipelineEfficiency.value * scalingEfficiency;
  const pocketsphinxCoreSeconds = (audioSeconds * inputs.pocketsphinxCpu.value) / perCore;
  const whisperTinyCoreSeconds = (audioSeconds * inputs.whisperTinyCpu.value) / perCore;

  const segmentRecordBytes = inputs.segmentEventBytes.value + inputs.segmentKeyBytes.value + assumptions.recordOverheadBytes;
  const resultRecordBytes = inputs.resultEventBytes.value + inputs.resultKeyBytes.value + assumptions.recordOverheadBytes;
  const segmentsPerHour = HOUR_SECONDS / inputs.segmentSeconds.value;

  const perWallTime = assumptions.wallDays.map((wallDays): WallTimePlan => {
    const wallSeconds = wallDays * DAY_SECONDS;
    const resultsPerSecond = segments / wallSeconds;
    return {
      wallDays,
      pocketsphinx: cpuSizing(pocketsphinxCoreSeconds, wallSeconds, assumptions.asrCoresPerReplica),
      whisperTiny: cpuSizing(whisperTinyCoreSeconds, wallSeconds, assumptions.asrCoresPerReplica),
      whisperServer: serverSizing(audioSeconds, wallSeconds, assumptions.whisperServer, scalingEfficiency),
      pipelineCores: Math.ceil((audioSeconds * inputs.pipelineCpu.value) / wallSeconds),
      resultsPerSecond,
      sinkReplicas: Math.ceil(resultsPerSecond / inputs.sinkResultsPerSecond.value),
      kafkaSegmentsBytes: heldBytes(segments * segmentRecordBytes, wallSeconds, inputs.segmentsTopic),
      kafkaResultsBytes: heldBytes(segments * resultRecordBytes, wallSeconds, inputs.resultsTopic),
      hoursPerSegmentsRetention: assumptions.backlogHours * Math.min(1, inputs.segmentsTopic.retentionMs / 1000 / wallSeconds),
    };
  });

  const defaultCores = assumptions.defaultAsrReplicas * assumptions.asrCoresPerReplica;
  const s3AudioBytesPerHour = segmentsPerHour * inputs.audioBytesPerSegment.value;
  return {
    assumptions,
    audioSeconds,
    segments,
    scalingEfficiency,
    scalingMeasured,
    pocketsphinxCoreSeconds,
    whisperTinyCoreSeconds,
    perWallTime,
    defaultFleetDays: {
      pocketsphinx: pocketsphinxCoreSeconds / defaultCores / DAY_SECONDS,
      whisperTiny: whisperTinyCoreSeconds / defaultCores / DAY_SECONDS,
    },
    segmentRecordBytes,
    resultRecordBytes,
    s3KeptBytes: assumptions.backlogHours * inputs.sinkBytesPerAudioHour.value,
    s3AudioBytesPerHour,
    s3AudioBytesWholeBacklog: assumptions.backlogHours * s3AudioBytesPerHour,
  };
}
