// memory-flatness: peak RSS of the ASR processor and of the S3 sink at a small
// and a large segment count, each in its own process, against the original
// single-process stage doing the same work. A flat pipeline has a large/small
// ratio near 1; the baseline grows with the file.

import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sinkSpec } from "@lingostream/sink-s3";
import { createStackContext } from "@lingostream/testkit";
import { SEGMENT_PCM_BYTES } from "./fixtures/audio.ts";
import { audioSegmentEvent, deleteObjects, produceAll, produceJobEvent, segmentAudioPrefix, sinkPrefixes, uploadSegmentAudio } from "./fixtures/events.ts";
import { renderLineChart } from "./line-chart.ts";
import { type ProbeOutcome, runProbe } from "./probe-runner.ts";
import type { BaselineProbeResult } from "./probes/baseline-stage.ts";
import type { WorkerProbeResult } from "./probes/pipeline-workers.ts";
import { type BenchContext, type Benchmark, type BenchmarkOutcome, type Row, ratio } from "./report.ts";
import { formatBytes } from "./summary.ts";

export interface MemoryFlatnessOptions {
  /** [small, large] segment counts; the goal compares the two. */
  sizes: readonly [number, number];
  /** Distinct 30 s audio objects the segments cycle through. */
  audioObjects: number;
}

export const MEMORY_FLATNESS_FULL: MemoryFlatnessOptions = { sizes: [50, 500], audioObjects: 8 };
export const MEMORY_FLATNESS_QUICK: MemoryFlatnessOptions = { sizes: [10, 60], audioObjects: 4 };

const FLATNESS_GOAL = 1.15;
/** The seed's claim: an 80% lower peak than the original stage. */
const PEAK_SHARE_GOAL = 0.2;

type Subject = "original (whole file)" | "original (audio streamed)" | "ASR processor" | "S3 sink";

const SERIES_NAMES: Record<Subject, string> = {
  "original (whole file)": "original stage (whole file)",
  "original (audio streamed)": "original stage (audio streamed)",
  "ASR processor": "ASR processor",
  "S3 sink": "S3 sink (backlog taken in at once)",
};
type Measurement = ProbeOutcome<WorkerProbeResult | BaselineProbeResult>;

export const memoryFlatnessBenchmark: Benchmark = {
  name: "memory-flatness",
  title: "peak RSS does not grow with segments; against the accumulate-everything stage",
  run: (ctx) => runMemoryFlatness(ctx, ctx.quick ? MEMORY_FLATNESS_QUICK : MEMORY_FLATNESS_FULL),
};

export async function runMemoryFlatness(ctx: BenchContext, options: MemoryFlatnessOptions): Promise<BenchmarkOutcome> {
  const results = new Map<Subject, Map<number, Measurement>>();
  const record = (subject: Subject, size: number, m: Measurement) => {
    const bySize = results.get(subject) ?? new Map<number, Measurement>();
    bySize.set(size, m);
    results.set(subject, bySize);
    ctx.log(`${subject} at ${size} segments: peak RSS ${formatBytes(m.peakRssBytes)} (VmHWM ${formatBytes(m.vmHwmBytes)}), ${m.wallSeconds.toFixed(1)} s`);
  };
  const outDir = await mkdtemp(join(ctx.cacheDir, "memory-"));
  try {
    for (const size of options.sizes) {
      const sampleEvery = Math.max(1, Math.floor(size / 50));
      for (const mode of ["whole-file", "streamed-audio"] as const) {
        const m = await runProbe<BaselineProbeResult>("baseline", { segments: size, mode, audioObjects: options.audioObjects, sampleEvery, outDir });
        record(mode === "whole-file" ? "original (whole file)" : "original (audio streamed)", size, m);
      }
      const pipeline = await runPipelineWorkers(size, options.audioObjects, sampleEvery);
      record("ASR processor", size, pipeline.processor);
      record("S3 sink", size, pipeline.sink);
    }
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
  return summarize(ctx, options, results);
}

/** Seeds one job of `size` segments, then runs the processor and the sink over it, each in its own process. */
async function runPipelineWorkers(size: number, audioObjects: number, sampleEvery: number): Promise<{ processor: Measurement; sink: Measurement }> {
  const stack = await createStackContext(`bench-memory-${size}`, { partitions: 2 });
  const jobId = `memory-${size}-${randomBytes(3).toString("hex")}`;
  try {
    const audio = await uploadSegmentAudio(stack.ctx, jobId, audioObjects);
    await produceJobEvent(stack.ctx, jobId, "requested", size);
    await produceAll(stack.ctx, "segments", size, (i) => audioSegmentEvent(stack.ctx, jobId, i, audio[i % audio.length]!, "deterministic"), (i) => `${jobId}-${i}`);
    await produceJobEvent(stack.ctx, jobId, "segmented", size);
    const processor = await runProbe<WorkerProbeResult>("asr-processor", { segments: size, sampleEvery }, { env: stack.env });
    // A dead-lettered segment skips the work being measured: the run would flatter the processor.
    if (processor.value.failed > 0) throw new Error(`${processor.value.failed} of ${size} segments were dead-lettered; see the processor's log above`);
    const sink = await runProbe<WorkerProbeResult>("sink", { sampleMs: 100 }, { env: stack.env });
    return { processor, sink };
  } finally {
    await deleteObjects(stack.ctx.store, [segmentAudioPrefix(jobId), ...sinkPrefixes(jobId, stack.ctx.topics.results)]);
    await stack.cleanup();
  }
}

async function summarize(ctx: BenchContext, options: MemoryFlatnessOptions, results: Map<Subject, Map<number, Measurement>>): Promise<BenchmarkOutcome> {
  const [small, large] = options.sizes;
  const peak = (s: Subject, n: number) => results.get(s)?.get(n)?.peakRssBytes ?? Number.NaN;
  const growth = (s: Subject) => (peak(s, large) - peak(s, small)) / (large - small);
  const rows: Row[] = [];
  for (const s of ["ASR processor", "S3 sink"] as const) {
    const r = ratio(peak(s, large), peak(s, small));
    rows.push({
      what: `${s} peak RSS, ${large} vs ${small} segments`,
      baseline: { label: `${small} segments`, value: peak(s, small), unit: "B" },
      subject: { label: `${large} segments`, value: peak(s, large), unit: "B" },
      ratio: r,
      goal: `≤ ${FLATNESS_GOAL}`,
      met: r <= FLATNESS_GOAL,
    });
  }
  for (const s of ["original (whole file)", "original (audio streamed)"] as const) {
    rows.push({
      what: `${s} peak RSS, ${large} vs ${small} segments`,
      baseline: { label: `${small} segments`, value: peak(s, small), unit: "B" },
      subject: { label: `${large} segments`, value: peak(s, large), unit: "B" },
      ratio: ratio(peak(s, large), peak(s, small)),
    });
  }
  const largest = Math.max(peak("ASR processor", large), peak("S3 sink", large));
  for (const s of ["original (whole file)", "original (audio streamed)"] as const) {
    const r = ratio(largest, peak(s, large));
    rows.push({
      what: `peak RSS at ${large} segments: largest pipeline process vs ${s}`,
      baseline: { label: s, value: peak(s, large), unit: "B" },
      subject: { label: "max(processor, sink)", value: largest, unit: "B" },
      ratio: r,
      ...(s === "original (whole file)" ? { goal: `≤ ${PEAK_SHARE_GOAL} (80% lower)`, met: r <= PEAK_SHARE_GOAL } : {}),
    });
  }
  // What a process needs beyond its start-up RSS (Node, kafkajs, the AWS SDK: the same modules in every child).
  const working = (s: Subject) => {
    const m = results.get(s)?.get(large);
    return m ? m.peakRssBytes - (m.value.timeline[0]?.[1] ?? 0) : Number.NaN;
  };
  const largestWorking = Math.max(working("ASR processor"), working("S3 sink"));
  rows.push({
    what: `peak RSS above start-up RSS at ${large} segments: largest pipeline process vs original (whole file)`,
    baseline: { label: "original (whole file)", value: working("original (whole file)"), unit: "B" },
    subject: { label: "max(processor, sink)", value: largestWorking, unit: "B" },
    ratio: ratio(largestWorking, working("original (whole file)")),
  });
  const both = peak("ASR processor", large) + peak("S3 sink", large);
  rows.push({
    what: `peak RSS at ${large} segments: processor + sink together vs original (whole file)`,
    baseline: { label: "original (whole file)", value: peak("original (whole file)", large), unit: "B" },
    subject: { label: "processor + sink", value: both, unit: "B" },
    ratio: ratio(both, peak("original (whole file)", large)),
  });
  for (const s of ["ASR processor", "S3 sink"] as const) {
    rows.push({
      what: `RSS growth per segment, ${s} vs original (whole file)`,
      baseline: { label: "original (whole file)", value: growth("original (whole file)"), unit: "B/segment" },
      subject: { label: s, value: growth(s), unit: "B/segment" },
      ratio: ratio(growth(s), growth("original (whole file)")),
    });
  }
  rows.push({
    what: "RSS growth per segment, original (audio streamed)",
    subject: { label: "original (audio streamed)", value: growth("original (audio streamed)"), unit: "B/segment" },
  });

  const timelineFile = "memory-flatness.svg";
  const series = [...results.entries()].map(([name, bySize]) => {
    const timeline = bySize.get(large)?.value.timeline ?? [];
    // The sink takes a seeded backlog in at once: its start-up sample at x=0 would draw a slope that never happened.
    const points = name === "S3 sink" ? timeline.filter(([x]) => x > 0) : timeline;
    return { name: SERIES_NAMES[name], points: points.map(([x, y]) => [x, y / 2 ** 20] as const) };
  });
  await writeFile(
    join(ctx.resultsDir, timelineFile),
    await renderLineChart({ title: `RSS while handling a ${large}-segment job`, xLabel: "segments handled", yLabel: "RSS (MiB)", series }),
  );
  const peaksFile = "memory-flatness-peaks.svg";
  const peaks = [...results.keys()].map((name) => ({ name: SERIES_NAMES[name], points: options.sizes.map((n) => [n, peak(name, n) / 2 ** 20] as const) }));
  await writeFile(
    join(ctx.resultsDir, peaksFile),
    await renderLineChart({ title: "Peak RSS by job length", xLabel: "segments in the job", yLabel: "peak RSS (MiB)", series: peaks }),
  );
  const processor = results.get("ASR processor")?.get(large)?.value as WorkerProbeResult | undefined;
  const sink = results.get("S3 sink")?.get(large)?.value as WorkerProbeResult | undefined;
  const notes = [
    `Each measured thing ran in its own Node process; peak RSS is the child's own process.resourceUsage().maxRSS (VmHWM read from /proc by the parent agrees within sampling; both are in the JSON).`,
    `Segments are 30 s of 16 kHz mono audio (${formatBytes(SEGMENT_PCM_BYTES + 44)} WAV each, ${options.audioObjects} distinct objects in S3 reused in turn); results are ~75 words each (the deterministic engine made as wordy as speech, fixtures/wordy-engine.ts).`,
    `Pipeline workers: startAsrProcessor and startS3Sink with their default configs (sink: flush at ${sinkSpec.flushRecords.default} records or ${formatBytes(sinkSpec.flushBytes.default)} per partition or ${sinkSpec.flushIntervalMs.default / 1000} s), without the memory governor; one job of ${large} segments, like the baseline's one long file.`,
    `"original (whole file)" decodes the whole file into one buffer first, as the original stage did; "original (audio streamed)" makes each segment's audio in turn and keeps only the results list, so it isolates the cost of accumulating results.`,
    `At ${large} segments the sink wrote ${sink ? `${formatBytes(sink.bytesWritten)} to S3 in ${sink.writingSeconds.toFixed(1)} s of flushing (${sink.activeSeconds.toFixed(1)} s from its first record to JobCompleted)` : "n/a"}; the processor handled ${processor ? `${(processor.handled / processor.activeSeconds).toFixed(1)} segments/s` : "n/a"}.`,
  ];
  const details = Object.fromEntries(
    [...results.entries()].map(([name, bySize]) => [name, Object.fromEntries([...bySize.entries()].map(([size, m]) => [String(size), m]))]),
  );
  return { rows, notes, details: { options, measurements: details }, charts: [
      { file: peaksFile, title: `peak RSS at ${small} and ${large} segments, original stage vs pipeline workers` },
      { file: timelineFile, title: `RSS vs segments handled in the ${large}-segment runs` },
    ],
  };
}
