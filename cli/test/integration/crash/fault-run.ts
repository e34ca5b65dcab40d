// One transcription run of the crash suite: its own topics on the private
// broker, two supervised worker processes (`worker monitor sink segmenter`
// and `worker asr`), jobs submitted and awaited through `transcribe`, and a
// fault injected while it runs. It ends with the jobs' final transcripts and
// the counts the report needs.

import { join } from "node:path";
import type { ObjectStore } from "@lingostream/runtime";
import { createStackContext, waitFor } from "@lingostream/testkit";
import { replay } from "../../../src/commands/replay.ts";
import { transcribe } from "../../../src/commands/transcribe.ts";
import { TopicObserver } from "./topic-observer.ts";
import { WorkerChild } from "./worker-child.ts";

export interface TranscriptJson {
  jobId: string;
  segmentCount: number;
  transcribedCount: number;
  failedCount: number;
  words: { text: string; start: number; end: number; confidence: number }[];
  segments: { index: number; start: number; end: number; text: string }[];
  failedSegments: number[];
}

/** What a fault sees of the run it disturbs. */
export interface RunHandle {
  observer: TopicObserver;
  /** The ASR processor's process. */
  asr: WorkerChild;
  /** The run's object store: the S3 endpoint and bucket of its env. */
  store: ObjectStore;
  /** Segments the run will have in all (from the undisturbed run), or undefined for that run itself. */
  expectedSegments: number | undefined;
  /** Resolves once this many distinct segments have a result. */
  untilTranscribed(count: number): Promise<void>;
  /** Throws unless some segments are still without a result: a fault must land mid-run. */
  assertWorkLeft(what: string): void;
  /** Appends a line to the run's report. */
  note(line: string): void;
}

export interface RunReport {
  scenario: string;
  jobs: number;
  /** Distinct segments the segmenter cut (sum of JobSegmented counts). */
  segmentsIn: number;
  /** AudioSegment events on the work queue, retries and replays included. */
  segmentEvents: number;
  /** Distinct segments with at least one SegmentTranscribed. */
  transcribed: number;
  /** SegmentTranscribed events in all; more than `transcribed` means re-deliveries the sink absorbed. */
  resultEvents: number;
  deadLettered: number;
  /** AudioSegment events with attempt > 1 (the processor's own retries, and replays). */
  retried: number;
  replayed: number;
  /** Segment slots present more than once in a final transcript. */
  duplicates: number;
  /** Segment slots missing from a final transcript. */
  lost: number;
  /** JobCompleted events in all (a job fixed by a replay is announced again). */
  completions: number;
  /** ASR worker processes started, SIGKILLed by the test, and exited by themselves (then restarted). */
  workerStarts: number;
  workerKills: number;
  workerUnexpectedExits: number;
  /** The same for the segmenter + sink + monitor process (never killed by the test). */
  pipelineUnexpectedExits: number;
  /** Worker processes that did not drain within 30 s of SIGTERM at the end. */
  stopTimeouts: number;
  /** Times the test's own observer had to replace a consumer kafkajs gave up on. */
  observerRestarts: number;
  transcribeExitCode: number;
  notes: string[];
}

export interface FaultRunOptions {
  scenario: string;
  media: string[];
  dir: string;
  env: NodeJS.ProcessEnv;
  expectedSegments?: number;
  fault?: (run: RunHandle) => Promise<void>;
  /** Replays dead letters until every job is complete (an outage may dead-letter segments). */
  replayDeadLetters?: boolean;
}

export interface FaultRunOutcome {
  report: RunReport;
  /** Final transcripts by input file name. */
  transcripts: Map<string, TranscriptJson>;
}

const RUN_TIMEOUT_S = 150;

export async function runWithFault(options: FaultRunOptions): Promise<FaultRunOutcome> {
  const { scenario } = options;
  const stack = await createStackContext(`crash-${scenario}`, { partitions: 3, env: options.env });
  const observer = new TopicObserver(stack.another("observer"));
  const pipeline = new WorkerChild(["monitor", "sink", "segmenter"], stack.env, join(options.dir, `${scenario}-pipeline.log`));
  const asr = new WorkerChild(["asr"], stack.env, join(options.dir, `${scenario}-asr.log`));
  const notes: string[] = [];
  const t0 = Date.now();
  const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  let report: RunReport | undefined;
  try {
    await observer.start();
    pipeline.start();
    asr.start();
    const handle: RunHandle = {
      observer,
      asr,
      store: stack.ctx.store,
      expectedSegments: options.expectedSegments,
      untilTranscribed: (count) => waitFor(() => observer.transcribedIds().size >= count, `${count} segments transcribed`, RUN_TIMEOUT_S * 1000, 50).then(() => {}),
      assertWorkLeft: (what) => {
        const done = observer.transcribedIds().size;
        const total = options.expectedSegments ?? Number.POSITIVE_INFINITY;
        if (done >= total) throw new Error(`${what} came after every segment was transcribed; the fault tested nothing`);
      },
      note: (line) => notes.push(`${line} (at ${since()})`),
    };
    // The fault runs beside the transcription and must have happened by its end.
    let faultError: unknown;
    const fault = options.fault?.(handle).catch((err: unknown) => {
      faultError = err;
    });
    const exitCode = await transcribe(
      options.media,
      { out: join(options.dir, `${scenario}-out`), language: "en", engine: "deterministic", timeout: String(RUN_TIMEOUT_S) },
      stack.env,
    );
    notes.push(`transcribe returned ${exitCode} at ${since()}`);
    await fault;
    if (faultError !== undefined) throw faultError;

    // `transcribe` saw every job end; the observer reads the same topics and may be a moment behind.
    const ended = () => [...observer.jobs].filter(([, v]) => v.sourceName !== undefined && (v.completions.length > 0 || v.failures.length > 0));
    await waitFor(() => ended().length >= options.media.length, "the observer to see every job end", RUN_TIMEOUT_S * 1000);
    const jobIds = ended().map(([id]) => id);
    let replayed = 0;
    if (options.replayDeadLetters) {
      for (let round = 1; round <= 3; round++) {
        const failing = jobIds.filter((id) => (observer.latest(id)?.failedCount ?? 0) > 0);
        if (failing.length === 0) break;
        const mark = observer.deadLetters.length;
        const ids: string[] = [];
        // `lingostream replay --job <id>` for each job announced with failed segments.
        for (const jobId of failing) {
          const summary = await replay(stack.ctx, { job: jobId });
          for (const job of summary.jobs) ids.push(...job.segmentIds);
        }
        replayed += ids.length;
        notes.push(`replay round ${round}: lingostream replay --job re-published ${ids.length} dead-lettered segments of ${failing.length} jobs`);
        // Settled: each replayed segment has a result or a new dead letter, and
        // each job's latest JobCompleted counts exactly what still has none.
        await waitFor(
          () => {
            const results = observer.transcribedIds();
            const again = new Set(observer.deadLetters.slice(mark).map((d) => d.segmentId));
            if (!ids.every((id) => results.has(id) || again.has(id))) return false;
            return failing.every((jobId) => {
              const unresolved = new Set(observer.deadLetters.filter((d) => d.jobId === jobId && d.segmentId && !results.has(d.segmentId)).map((d) => d.segmentId));
              const latest = observer.latest(jobId);
              return latest !== undefined && latest.failedCount === unresolved.size && latest.transcribedCount + latest.failedCount === latest.segmentCount;
            });
          },
          "replayed segments settled and their jobs announced again",
          RUN_TIMEOUT_S * 1000,
        );
      }
    }

    const transcripts = new Map<string, TranscriptJson>();
    let duplicates = 0;
    let lost = 0;
    for (const id of jobIds) {
      const view = observer.jobs.get(id)!;
      const completed = observer.latest(id);
      if (!completed) throw new Error(`job ${id} (${view.sourceName}) never completed: ${view.failures.join("; ") || "no JobFailed either"}`);
      const transcript = JSON.parse((await stack.ctx.store.get(completed.transcriptKeys.json, 64 * 1024 * 1024)).toString("utf8")) as TranscriptJson;
      transcripts.set(view.sourceName!, transcript);
      const indices = transcript.segments.map((s) => s.index);
      duplicates += indices.length - new Set(indices).size;
      for (let i = 0; i < (view.segmentCount ?? 0); i++) if (!indices.includes(i)) lost++;
    }

    report = {
      scenario,
      jobs: jobIds.length,
      segmentsIn: jobIds.reduce((n, id) => n + (observer.jobs.get(id)?.segmentCount ?? 0), 0),
      segmentEvents: observer.segments.length,
      transcribed: observer.transcribedIds().size,
      resultEvents: observer.results.length,
      deadLettered: observer.deadLetters.length,
      retried: observer.segments.filter((s) => s.attempt > 1).length,
      replayed,
      duplicates,
      lost,
      completions: jobIds.reduce((n, id) => n + (observer.jobs.get(id)?.completions.length ?? 0), 0),
      workerStarts: asr.stats.started,
      workerKills: asr.stats.killed,
      workerUnexpectedExits: asr.stats.unexpectedExits,
      pipelineUnexpectedExits: pipeline.stats.unexpectedExits,
      stopTimeouts: 0,
      observerRestarts: observer.restarts,
      transcribeExitCode: exitCode,
      notes,
    };
    if (observer.undecodable.length > 0) notes.push(`undecodable records: ${observer.undecodable.slice(0, 3).join("; ")}`);
    return { report, transcripts };
  } catch (err) {
    const logs = `--- ASR worker log (tail) ---\n${await asr.tail()}\n--- pipeline worker log (tail) ---\n${await pipeline.tail()}`;
    throw new Error(`${scenario} run failed: ${(err as Error).message}\n${logs}`, { cause: err });
  } finally {
    await Promise.all([asr.stop(), pipeline.stop()]);
    await observer.stop();
    await stack.cleanup();
    if (report) report.stopTimeouts = asr.stats.stopTimeouts + pipeline.stats.stopTimeouts;
  }
}
