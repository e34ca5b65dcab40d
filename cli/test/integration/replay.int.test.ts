// Dead letters, retries and replay end to end on the real local stack: an
// engine that fails some segments for good and others every time (retriable)
// leaves a job complete with gaps; once the engine is fixed, `replay` re-runs
// exactly the dead-lettered segments, the sink rewrites the transcript whole,
// and a second replay of the same dead letters changes nothing.

import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AsrEngine, type AudioInput, asrSpec, createEngine, EngineError, startAsrProcessor, type TranscribeOptions } from "@lingostream/asr";
import { loadConfig, type RunningService, type ServiceContext } from "@lingostream/runtime";
import { type AudioSegment, type JobCompleted, jobEventValue, readJobEvent, type SegmentFailed, type SegmentsReplayed, type SegmentTranscribed } from "@lingostream/schemas";
import { createStackContext, LONG_TEXT, type StackContext, synthesizeSpeech, waitFor } from "@lingostream/testkit";
import { startServices, stopServices } from "@lingostream/worker-host";
import type { Consumer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listFailed } from "../../src/commands/failed.ts";
import { replay } from "../../src/commands/replay.ts";

interface TranscriptJson {
  transcribedCount: number;
  failedCount: number;
  words: { text: string; start: number; end: number }[];
  segments: { index: number }[];
  failedSegments: number[];
}

type Fate = "ok" | "permanent" | "retriable";

/**
 * Decides each distinct audio's fate the first time it is seen (every fourth
 * from the second fails for good, every fourth from the fourth fails every
 * time, retryably) while `broken`; afterwards every call succeeds. Records when
 * each audio was tried, so the dead letters' times can be checked against it.
 */
class Script {
  broken = true;
  private seen = 0;
  readonly fates = new Map<string, Fate>();
  readonly calls = new Map<string, number[]>();

  decide(audio: AudioInput): Fate {
    const hash = createHash("sha256").update(audio.pcm).digest("hex");
    let fate = this.fates.get(hash);
    if (fate === undefined) {
      const k = this.seen++;
      fate = k % 4 === 1 ? "permanent" : k % 4 === 3 ? "retriable" : "ok";
      this.fates.set(hash, fate);
    }
    const calls = this.calls.get(hash) ?? [];
    calls.push(Date.now());
    this.calls.set(hash, calls);
    return this.broken ? fate : "ok";
  }
}

class ScriptedEngine implements AsrEngine {
  readonly name = "deterministic";
  private readonly inner = createEngine("deterministic");
  private readonly script: Script;

  constructor(script: Script) {
    this.script = script;
  }

  async transcribe(audio: AudioInput, opts: TranscribeOptions) {
    const fate = this.script.decide(audio);
    if (fate === "permanent") throw new EngineError("engine", "scripted permanent failure", { retriable: false });
    if (fate === "retriable") throw new EngineError("engine", "scripted transient failure", { retriable: true });
    return this.inner.transcribe(audio, opts);
  }

  close() {
    return this.inner.close();
  }
}

/** Everything on the test's topics, decoded; the topics hold one test's worth of events. */
class Collector {
  readonly segments: AudioSegment[] = [];
  readonly results: SegmentTranscribed[] = [];
  readonly failed: SegmentFailed[] = [];
  readonly completed: JobCompleted[] = [];
  readonly replays: SegmentsReplayed[] = [];
  private readonly reached = new Map<string, bigint>();
  private consumer: Consumer | undefined;

  async start(ctx: ServiceContext, groupId: string): Promise<void> {
    const { topics } = ctx;
    const consumer = ctx.kafka.consumer({ groupId });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.jobs, topics.segments, topics.results, topics.segmentsFailed], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const value = message.value ? (await ctx.serde.decode(message.value)).value : undefined;
        if (topic === topics.segments) this.segments.push(value as AudioSegment);
        else if (topic === topics.results) this.results.push(value as SegmentTranscribed);
        else if (topic === topics.segmentsFailed) this.failed.push(value as SegmentFailed);
        else {
          const event = readJobEvent(value);
          if (event.type === "JobCompleted") this.completed.push(event.event);
          if (event.type === "SegmentsReplayed") this.replays.push(event.event);
        }
        this.reached.set(`${topic}:${partition}`, BigInt(message.offset) + 1n);
      },
    });
  }

  /** True once every partition of the topic has been read up to the given end offsets. */
  hasReached(topic: string, ends: { partition: number; offset: string }[]): boolean {
    return ends.every((e) => BigInt(e.offset) === 0n || (this.reached.get(`${topic}:${e.partition}`) ?? 0n) >= BigInt(e.offset));
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

async function readTranscript(ctx: ServiceContext, completed: JobCompleted): Promise<TranscriptJson> {
  const body = await ctx.store.get(completed.transcriptKeys.json, 64 * 1024 * 1024);
  if (!body) throw new Error(`transcript ${completed.transcriptKeys.json} missing`);
  return JSON.parse(body.toString("utf8")) as TranscriptJson;
}

/** Words as comparable strings; a duplicated segment would repeat a run of them. */
function wordList(t: TranscriptJson): string[] {
  return t.words.map((w) => `${w.start.toFixed(3)} ${w.text}`);
}

function duplicates(words: string[]): number {
  return words.length - new Set(words).size;
}

describe("dead letters, retries and replay", () => {
  const script = new Script();
  const tenant = "replay-it";
  const jobId = `replay-job-${Date.now().toString(36)}`;
  let stack: StackContext;
  let dir: string;
  let wavPath: string;
  let services: RunningService[] = [];
  let asr: RunningService | undefined;
  const collector = new Collector();
  let segmentCount = 0;
  let deadLettered: SegmentFailed[] = [];
  let firstRun: TranscriptJson;
  let afterReplay: TranscriptJson;
  const counts = { segmentsIn: 0, transcribedFirstRun: 0, deadLettered: 0, permanent: 0, retriable: 0, replayed: [] as number[], duplicates: 0, lost: 0 };

  beforeAll(async () => {
    stack = await createStackContext("replay", {
      partitions: 2,
      env: {
        LINGOSTREAM_ASR_MAX_ATTEMPTS: "3",
        LINGOSTREAM_SEGMENT_TARGET_SECONDS: "10",
        LINGOSTREAM_SEGMENT_WINDOW_SECONDS: "3",
        LINGOSTREAM_SEGMENT_MAX_SECONDS: "15",
        LINGOSTREAM_SINK_FLUSH_INTERVAL_MS: "300",
      },
    });
    dir = await mkdtemp(join(tmpdir(), "lingostream-replay-"));
    wavPath = join(dir, "long.wav");
    await synthesizeSpeech(LONG_TEXT.text, wavPath);
    await collector.start(stack.ctx, `${stack.prefix}collector`);
    services = await startServices(stack.ctx, ["monitor", "sink", "segmenter"], stack.env);
    asr = await startAsrProcessor(stack.another("asr"), {
      config: loadConfig(asrSpec, { ...stack.env, LINGOSTREAM_ASR_ENGINE: "deterministic" }),
      engineFactory: () => new ScriptedEngine(script),
    });
  });

  afterAll(async () => {
    await asr?.stop();
    await stopServices(services);
    await collector.stop();
    await stack?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
    console.info(`replay run counts: ${JSON.stringify(counts)}`);
  });

  async function submit(id: string): Promise<void> {
    const { ctx } = stack;
    await ctx.serde.register("jobs");
    const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const event = jobEventValue("JobRequested", {
        tenant,
        jobId: id,
        source: wavPath,
        sourceName: "long.wav",
        language: "en",
        engine: "deterministic",
        producerId: ctx.instanceId,
        eventTime: Date.now(),
      });
      await producer.send({ topic: ctx.topics.jobs, acks: -1, messages: [{ key: id, value: await ctx.serde.encode("jobs", event) }] });
    } finally {
      await producer.disconnect();
    }
  }

  const completions = (id: string) => collector.completed.filter((c) => c.jobId === id);

  /** Waits until the sink has committed everything now on asr.results, so every completion check those results trigger has run. */
  async function sinkCaughtUp(): Promise<void> {
    const { ctx, prefix } = stack;
    const admin = ctx.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(ctx.topics.results);
      await waitFor(async () => {
        const [committed] = await admin.fetchOffsets({ groupId: `${prefix}sink`, topics: [ctx.topics.results] });
        return ends.every((e) => {
          const c = committed?.partitions.find((p) => p.partition === e.partition);
          return BigInt(e.offset) === 0n || (c !== undefined && BigInt(c.offset) >= BigInt(e.offset));
        });
      }, "the sink to commit every result");
      // And the collector has seen any JobCompleted the sink produced meanwhile.
      const jobEnds = await admin.fetchTopicOffsets(ctx.topics.jobs);
      await waitFor(() => collector.hasReached(ctx.topics.jobs, jobEnds), "the collector to read asr.jobs to its end");
    } finally {
      await admin.disconnect();
    }
  }

  it("dead-letters permanent failures at once and retriable ones after max attempts; the job completes with gaps", async () => {
    await submit(jobId);
    const completed = await waitFor(() => completions(jobId)[0], "the first JobCompleted", 300_000);
    segmentCount = completed.segmentCount;
    counts.segmentsIn = segmentCount;
    expect(segmentCount).toBeGreaterThanOrEqual(8);

    deadLettered = collector.failed.filter((f) => f.jobId === jobId);
    const permanent = deadLettered.filter((f) => !f.retryable);
    const retriable = deadLettered.filter((f) => f.retryable);
    counts.deadLettered = deadLettered.length;
    counts.permanent = permanent.length;
    counts.retriable = retriable.length;
    counts.transcribedFirstRun = completed.transcribedCount;
    expect(permanent.length).toBeGreaterThan(0);
    expect(retriable.length).toBeGreaterThan(0);
    // One dead letter per failed segment: retries are new attempts on asr.segments, not dead letters.
    expect(new Set(deadLettered.map((f) => f.segmentId)).size).toBe(deadLettered.length);
    expect(completed.failedCount).toBe(deadLettered.length);
    expect(completed.transcribedCount).toBe(segmentCount - deadLettered.length);

    for (const f of permanent) {
      expect(f).toMatchObject({ tenant, errorClass: "engine", retryable: false, attempt: 1 });
      expect(f.firstFailureTime).toBe(f.lastFailureTime);
      // Everything a replay needs rides in the dead letter.
      expect(f.segment).toMatchObject({ jobId, segmentId: f.segmentId, attempt: 1, firstFailureTime: f.firstFailureTime });
      expect(f.segment?.claimCheck.key).toMatch(new RegExp(`^segments/${tenant}/${jobId}/`));
      expect(f.workerId).not.toBe("");
    }
    for (const f of retriable) {
      expect(f).toMatchObject({ errorClass: "engine", retryable: true, attempt: 3 });
      expect(f.firstFailureTime).toBeLessThanOrEqual(f.lastFailureTime);
      // The first failure is the first attempt's, carried through the re-published attempts.
      const attempts = collector.segments.filter((s) => s.segmentId === f.segmentId);
      expect(new Set(attempts.map((s) => s.attempt))).toEqual(new Set([1, 2, 3]));
      expect(attempts.filter((s) => s.attempt === 1).every((s) => s.firstFailureTime === null)).toBe(true);
      expect(attempts.filter((s) => s.attempt > 1).every((s) => s.firstFailureTime === f.firstFailureTime)).toBe(true);
    }
    // Bounded: the engine saw each such audio once per attempt, no more.
    const triedRetriable = [...script.fates.entries()].filter(([, fate]) => fate === "retriable").map(([hash]) => script.calls.get(hash)!);
    expect(triedRetriable).toHaveLength(retriable.length);
    for (const calls of triedRetriable) expect(calls).toHaveLength(3);
    // firstFailureTime is the first attempt's: stamped after the first try and before the second.
    const firstTries = triedRetriable.map((c) => c[0]!).sort((a, b) => a - b);
    const secondTries = triedRetriable.map((c) => c[1]!).sort((a, b) => a - b);
    const firstFailures = retriable.map((f) => f.firstFailureTime).sort((a, b) => a - b);
    firstFailures.forEach((t, i) => {
      expect(t).toBeGreaterThanOrEqual(firstTries[i]!);
      expect(t).toBeLessThanOrEqual(secondTries[i]!);
    });

    firstRun = await readTranscript(stack.ctx, completed);
    const failedIndices = deadLettered.map((f) => f.segment!.index).sort((a, b) => a - b);
    expect(firstRun.failedSegments).toEqual(failedIndices);
    expect(firstRun.segments.map((s) => s.index)).toEqual([...Array(segmentCount).keys()].filter((i) => !failedIndices.includes(i)));
    expect(duplicates(wordList(firstRun))).toBe(0);
  });

  it("lists the dead letters grouped by job and error class, all open", async () => {
    const listed = await listFailed(stack.ctx, { job: jobId });
    expect(listed.groups).toEqual([
      expect.objectContaining({ tenant, jobId, errorClass: "engine", deadLetters: deadLettered.length, segments: deadLettered.length, open: deadLettered.length, resolved: 0 }),
    ]);
    const none = await listFailed(stack.ctx, { job: jobId, errorClass: "timeout" });
    expect(none.groups).toEqual([]);
  });

  it("rejects hostile filters before reading anything", async () => {
    await expect(replay(stack.ctx, { tenant: "../other" })).rejects.toMatchObject({ code: "invalid-id" });
    await expect(listFailed(stack.ctx, { job: "a/b" })).rejects.toMatchObject({ code: "invalid-id" });
  });

  it("a dry run selects the dead letters and writes nothing", async () => {
    const { ctx } = stack;
    const admin = ctx.kafka.admin();
    await admin.connect();
    try {
      const before = [await admin.fetchTopicOffsets(ctx.topics.segments), await admin.fetchTopicOffsets(ctx.topics.jobs)];
      const lines: string[] = [];
      const summary = await replay(ctx, { job: jobId, dryRun: true }, (l) => lines.push(l));
      expect(summary).toMatchObject({ dryRun: true, selected: deadLettered.length, replayed: 0 });
      expect(lines.join("\n")).toMatch(/nothing was written/);
      const after = [await admin.fetchTopicOffsets(ctx.topics.segments), await admin.fetchTopicOffsets(ctx.topics.jobs)];
      expect(after).toEqual(before);
    } finally {
      await admin.disconnect();
    }
  });

  it("replays the dead letters once the engine is fixed: the transcript is rewritten whole with a new JobCompleted", async () => {
    script.broken = false;
    const summary = await replay(stack.ctx, { job: jobId, rate: "50/s" });
    counts.replayed.push(summary.replayed);
    expect(summary).toMatchObject({ selected: deadLettered.length, replayed: deadLettered.length });
    expect(summary.jobs).toEqual([{ tenant, jobId, segmentIds: expect.arrayContaining(deadLettered.map((f) => f.segmentId)) }]);

    const second = await waitFor(() => completions(jobId).find((c) => c.failedCount === 0), "a JobCompleted without failures", 180_000);
    expect(second).toMatchObject({ segmentCount, transcribedCount: segmentCount, failedCount: 0 });
    afterReplay = await readTranscript(stack.ctx, second);
    expect(afterReplay.failedSegments).toEqual([]);
    expect(afterReplay.segments.map((s) => s.index)).toEqual([...Array(segmentCount).keys()]);
    const words = wordList(afterReplay);
    expect(duplicates(words)).toBe(0);
    // What the first run had is still there, in place; the replay only filled the gaps.
    const kept = new Set(words);
    expect(wordList(firstRun).every((w) => kept.has(w))).toBe(true);
    expect(words.length).toBeGreaterThan(firstRun.words.length);

    // Each replayed segment went out as its next attempt, with its first failure carried on.
    for (const f of deadLettered) {
      const replayed = collector.segments.filter((s) => s.segmentId === f.segmentId && s.attempt === f.attempt + 1);
      expect(replayed.length).toBeGreaterThan(0);
      expect(replayed.every((s) => s.firstFailureTime === f.firstFailureTime)).toBe(true);
    }
    await waitFor(() => collector.replays.find((r) => r.replayId === summary.replayId), "the SegmentsReplayed event");
    const recorded = collector.replays.filter((r) => r.replayId === summary.replayId);
    expect(recorded.reduce((n, r) => n + r.count, 0)).toBe(deadLettered.length);
    expect(recorded.every((r) => r.jobId === jobId && r.tenant === tenant && r.count === r.segmentIds.length)).toBe(true);

    const listed = await listFailed(stack.ctx, { job: jobId });
    expect(listed.totals).toMatchObject({ segments: deadLettered.length, open: 0, resolved: deadLettered.length });
  });

  it("replaying the same dead letters again re-publishes nothing: their results are in the store, the transcript stays as it was", async () => {
    const segmentsBefore = collector.segments.length;
    const summary = await replay(stack.ctx, { job: jobId });
    counts.replayed.push(summary.replayed);
    expect(summary).toMatchObject({ selected: 0, replayed: 0 });
    expect(summary.skipped.resolved).toBe(deadLettered.length);
    await sinkCaughtUp();
    expect(collector.segments.length).toBe(segmentsBefore);
    const finals = completions(jobId);
    expect(finals.filter((c) => c.failedCount === 0)).toHaveLength(1);
    const again = await readTranscript(stack.ctx, finals.at(-1)!);
    expect(wordList(again)).toEqual(wordList(afterReplay));
    counts.duplicates = duplicates(wordList(again));
    expect(counts.duplicates).toBe(0);
  });

  it("ends with the same words as an undisturbed run of the same media", async () => {
    const control = `${jobId}-control`;
    await submit(control);
    const done = await waitFor(() => completions(control)[0], "the control job's JobCompleted", 300_000);
    expect(done.failedCount).toBe(0);
    const reference = wordList(await readTranscript(stack.ctx, done));
    const replayed = wordList(await readTranscript(stack.ctx, completions(jobId).at(-1)!));
    const have = new Set(replayed);
    counts.lost = reference.filter((w) => !have.has(w)).length;
    expect(counts.lost).toBe(0);
    expect(replayed).toEqual(reference);
  });
});
