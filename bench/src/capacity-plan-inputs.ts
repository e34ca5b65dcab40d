// The measured figures a capacity plan rests on, picked from the committed
// benchmark results (bench/results/<name>.json) by each row's own text, each
// with where it came from; and the sizes of the events a segment puts on
// Kafka, encoded with the pipeline's own schemas.

import type { ServiceContext, TopicSpec } from "@lingostream/runtime";
import { encodeFrame, type TopicKey, topicType } from "@lingostream/schemas";
import { segmenterSpec, segmentId, segmentKey } from "@lingostream/segmenter";
import { audioSegmentEvent, segmentTranscribedEvent } from "./fixtures/events.ts";
import type { BenchmarkResult, Row } from "./report.ts";

/** A number and where it comes from: a benchmark row, a formula over other figures, a config default. */
export interface Figure {
  value: number;
  source: string;
}

export interface TopicFigures {
  name: string;
  partitions: number;
  replicationFactor: number;
  retentionMs: number;
}

export interface CapacityInputs {
  segmentSeconds: Figure;
  /** Decoder CPU seconds per audio second, one thread. */
  pocketsphinxCpu: Figure;
  whisperTinyCpu: Figure;
  /** Share of the cores' time a pipeline turns into decoding (the engine alone = 1). */
  pipelineEfficiency: Figure;
  /** Cores a pipeline spends per audio second besides the engine (segmenting, claim checks, Kafka, sink). */
  pipelineCpu: Figure;
  sinkResultsPerSecond: Figure;
  /** Bytes the sink writes to S3 per audio hour at speech's word rate (what a finished job keeps). */
  sinkBytesPerAudioHour: Figure;
  /** The same kept bytes measured after a backlog at the deterministic engine's one word per second. */
  keptBytesPerAudioHourAtOneWord: Figure;
  /** One segment's WAV claim check in S3. */
  audioBytesPerSegment: Figure;
  segmentEventBytes: Figure;
  resultEventBytes: Figure;
  segmentKeyBytes: Figure;
  resultKeyBytes: Figure;
  /** Two ASR processes vs one on the same group, audio s/s; undefined until the scaling benchmark has run. */
  twoProcessSpeedup: Figure | undefined;
  segmentsTopic: TopicFigures;
  resultsTopic: TopicFigures;
}

export type ResultsByName = Readonly<Record<string, BenchmarkResult | undefined>>;

/** Ordinary speech; the wordy benchmark engine makes a 30 s segment 75 words on the same figure. */
export const SPEECH_WORDS_PER_SECOND = 2.5;

const ROWS = {
  decoderCpu: "decoder CPU seconds per audio second (one slot, one thread), whisper tiny.en vs PocketSphinx",
  pipelineShare: "the same, JobRequested → last JobCompleted (leaves out start-up: stack check, topics, consumer joins, decoder start)",
  deterministicSpeed: "audio seconds per second (`transcribe` wall time, deterministic engine), 16 h vs 1 h",
  sinkResults: "S3 sink results per second, first record to JobCompleted",
  keptAt16h: "S3 after completion, 16 h backlog: bytes under the run's prefixes vs transcripts + archive batches + job records",
} as const;

const rowSource = (name: string, what: string, side: "baseline" | "subject" | "ratio", label?: string) =>
  `bench/results/${name}.json, row "${what}", ${side}${label ? ` (${label})` : ""}`;

function benchmark(results: ResultsByName, name: string): BenchmarkResult {
  const result = results[name];
  if (!result) throw new Error(`bench/results/${name}.json is missing: run \`lingostream bench ${name}\``);
  return result;
}

function findRow(results: ResultsByName, name: string, what: string): Row {
  const row = benchmark(results, name).rows.find((r) => r.what === what);
  if (!row) throw new Error(`bench/results/${name}.json has no row "${what}": the benchmark changed, so the capacity plan must follow it`);
  return row;
}

function side(results: ResultsByName, name: string, what: string, which: "baseline" | "subject"): Figure {
  const measured = findRow(results, name, what)[which];
  if (!measured || !Number.isFinite(measured.value)) throw new Error(`bench/results/${name}.json, row "${what}" has no ${which} value`);
  return { value: measured.value, source: rowSource(name, what, which, measured.label) };
}

function ratioOf(results: ResultsByName, name: string, what: string): Figure {
  const r = findRow(results, name, what).ratio;
  if (r === undefined || !Number.isFinite(r)) throw new Error(`bench/results/${name}.json, row "${what}" has no ratio`);
  return { value: r, source: rowSource(name, what, "ratio") };
}

interface ThroughputDetails {
  options: { sinkResults: number };
  raw: { sizes: { audio: number } };
  sink: { bytesWritten: number };
}

interface BacklogDetails {
  sizes: { label: string; audioSeconds: number }[];
}

/**
 * The two-process speed-up of the scaling benchmark (its row that sets 2
 * processes against 1 in audio seconds per second), once it has been run.
 */
function twoProcessSpeedup(results: ResultsByName): Figure | undefined {
  const scaling = results.scaling;
  if (!scaling) return undefined;
  const row = scaling.rows.find((r) => r.subject.label === "2 processes" && r.subject.unit === "audio s/s" && r.ratio !== undefined && Number.isFinite(r.ratio));
  if (!row) return undefined;
  // A quick run is a smoke test of fewer, shorter runs: say so where its figure is used.
  const quick = scaling.mode === "quick" ? `, a --quick run of ${scaling.startedAt.slice(0, 10)}` : "";
  return { value: row.ratio!, source: `${rowSource("scaling", row.what, "ratio")}${quick}` };
}

function topicFigures(specs: readonly TopicSpec[], key: TopicKey): TopicFigures {
  const spec = specs.find((s) => s.key === key);
  const retention = Number(spec?.config["retention.ms"]);
  if (!spec || !Number.isFinite(retention)) throw new Error(`infra/topics/topics.json has no ${key} topic with retention.ms`);
  return { name: spec.name, partitions: spec.partitions, replicationFactor: spec.replicationFactor, retentionMs: retention };
}

/** What the events' encoders need of a service context: the producer id and the bucket. */
const ENCODING_CONTEXT = { instanceId: "asr-worker-node-1-12345-a1b2c3", store: { bucket: "lingostream" } } as unknown as ServiceContext;

/** A job id as `transcribe` makes them: "j" and 32 hex digits. */
const JOB_ID = `j${"0".repeat(32)}`;

/** An event as it goes on the wire: the registry's 5-byte header (schema id 1 here) and the Avro body. */
export function wireValue(topic: TopicKey, value: unknown): Buffer {
  return encodeFrame(1, topicType(topic).toBuffer(value));
}

export function wireBytes(topic: TopicKey, value: unknown): number {
  return wireValue(topic, value).byteLength;
}

export interface SegmentRecords {
  segment: { key: string; value: Buffer };
  result: { key: string; value: Buffer };
}

/** The asr.segments and asr.results records of one segment, keyed and encoded as the pipeline does, with `words` words. */
export function segmentRecords(words: number, jobId = JOB_ID): SegmentRecords {
  const audio = { key: segmentKey("default", jobId, 0), byteSize: 960_044, sha256: "0".repeat(64) };
  return {
    segment: { key: segmentId(jobId, 0), value: wireValue("segments", audioSegmentEvent(ENCODING_CONTEXT, jobId, 0, audio, "pocketsphinx")) },
    result: { key: jobId, value: wireValue("results", segmentTranscribedEvent(ENCODING_CONTEXT, jobId, 0, words)) },
  };
}

export function capacityInputs(results: ResultsByName, topics: readonly TopicSpec[]): CapacityInputs {
  const segmentSeconds: Figure = { value: segmenterSpec.targetSeconds.default, source: `${segmenterSpec.targetSeconds.env} default` };
  const throughput = benchmark(results, "throughput").details as ThroughputDetails;
  const backlog = benchmark(results, "backlog");
  const sixteen = (backlog.details as BacklogDetails).sizes.find((s) => s.label === "16 h");
  if (!sixteen) throw new Error('bench/results/backlog.json has no "16 h" run in its details');

  const deterministic = side(results, "backlog", ROWS.deterministicSpeed, "subject");
  const cores = backlog.machine.cpuCount;
  const kept = side(results, "backlog", ROWS.keptAt16h, "subject");
  const words = Math.round(SPEECH_WORDS_PER_SECOND * segmentSeconds.value);
  const records = segmentRecords(words);
  const sinkAudioSeconds = throughput.options.sinkResults * segmentSeconds.value;
  return {
    segmentSeconds,
    pocketsphinxCpu: side(results, "engine", ROWS.decoderCpu, "baseline"),
    whisperTinyCpu: side(results, "engine", ROWS.decoderCpu, "subject"),
    pipelineEfficiency: ratioOf(results, "backlog", ROWS.pipelineShare),
    pipelineCpu: {
      value: cores / deterministic.value,
      source: `${cores} cores (backlog.json machine) / ${deterministic.value.toFixed(1)} audio s/s of the whole pipeline and stack with the deterministic engine (${deterministic.source}); an upper bound, since the stack's servers and other work shared those cores`,
    },
    sinkResultsPerSecond: side(results, "throughput", ROWS.sinkResults, "subject"),
    sinkBytesPerAudioHour: {
      value: (throughput.sink.bytesWritten / sinkAudioSeconds) * 3600,
      source: `bench/results/throughput.json details.sink.bytesWritten (${throughput.sink.bytesWritten} B for ${throughput.options.sinkResults} results of ${words} words, ${segmentSeconds.value} s each) × 3600 / their audio seconds`,
    },
    keptBytesPerAudioHourAtOneWord: {
      value: (kept.value / sixteen.audioSeconds) * 3600,
      source: `${kept.source} × 3600 / its ${sixteen.audioSeconds.toFixed(0)} audio seconds (details.sizes "16 h")`,
    },
    audioBytesPerSegment: { value: throughput.raw.sizes.audio, source: "bench/results/throughput.json details.raw.sizes.audio (a 30 s 16 kHz mono WAV)" },
    segmentEventBytes: { value: records.segment.value.byteLength, source: "AudioSegment encoded with schemas/avro (capacity-plan-inputs.ts segmentRecords)" },
    resultEventBytes: {
      value: records.result.value.byteLength,
      source: `SegmentTranscribed of ${words} words (${SPEECH_WORDS_PER_SECOND} words/s × ${segmentSeconds.value} s) encoded with schemas/avro (segmentRecords)`,
    },
    segmentKeyBytes: { value: Buffer.byteLength(records.segment.key), source: "segment id (asr.segments key): job id + 7" },
    resultKeyBytes: { value: Buffer.byteLength(records.result.key), source: "job id (asr.results key): j + 32 hex digits" },
    twoProcessSpeedup: twoProcessSpeedup(results),
    segmentsTopic: topicFigures(topics, "segments"),
    resultsTopic: topicFigures(topics, "results"),
  };
}
