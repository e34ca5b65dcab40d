// The bad-input corpus on the real local stack. One set of
// running workers (segmenter, ASR, sink, monitor) takes hostile media, names,
// ids and events, through `transcribe` (cluster mode: it only submits and
// waits) or produced straight to the topics. Each input must end in a clear
// error or a dead letter; after each one a good job still completes through
// the same workers (every topic has one partition, so the good job queues
// behind the bad input); no object key leaves its tenant's prefix.

import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeWav, type RunningService } from "@lingostream/runtime";
import type { SegmentTranscribed } from "@lingostream/schemas";
import { createStackContext, type StackContext, waitFor } from "@lingostream/testkit";
import { ROLES, startServices, stopServices } from "@lingostream/worker-host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transcribe } from "../../../src/commands/transcribe.ts";
import {
  audioSegment,
  EventLog,
  garbageBodyFrame,
  jobRequested,
  RawProducer,
  UNKNOWN_SCHEMA_ID,
  unknownSchemaIdFrame,
  withSchemaDefaults,
} from "./event-fixtures.ts";
import {
  longName,
  nonUtf8NamedTone,
  randomBytesFile,
  silence,
  tone,
  tonePcm,
  truncatedWavHeader,
  videoWithoutAudio,
  zeroBytes,
} from "./media-fixtures.ts";
import { HALLUCINATING, LONG_WORD_LENGTH, testEngines } from "./test-engines.ts";

const token = randomBytes(3).toString("hex");
const TENANT = `bi-${token}`;
const OTHER_TENANT = `bi-${token}-other`;
/** Lowered from 16 MiB so oversize cases need no 16 MiB uploads; a 45 s segment (1.4 MB) still fits. */
const MAX_SEGMENT_BYTES = 2 * 1024 * 1024;
/** asr.segments' max.message.bytes in infra/topics/topics.json. */
const SEGMENTS_MAX_MESSAGE_BYTES = 1_048_576;
const HOUR = 3600;

/** Hostile ids: each carries the run token so a key written with it is found by the audit. */
const HOSTILE = {
  dotDot: `../${TENANT}-escaped`,
  absolute: `/tmp/${TENANT}-absolute`,
  nul: `nul\u0000${TENANT}`,
  control: `ctl\u001b[2J\r\n${TENANT}`,
  deepDotDot: `../../../${TENANT}-deep`,
};

interface Row {
  input: string;
  outcome: string;
}

describe("bad-input corpus", () => {
  let stack: StackContext;
  let services: RunningService[] = [];
  let log: EventLog;
  let raw: RawProducer;
  let dir: string;
  let clusterEnv: NodeJS.ProcessEnv;
  let sentinelSource: string;
  const schemaIds = { jobs: 0, segments: 0, results: 0 };
  let goodJobs = 0;
  const rows: Row[] = [];
  const startedAt = Date.now();

  beforeAll(async () => {
    stack = await createStackContext("bad-input", {
      partitions: 1,
      env: {
        LINGOSTREAM_ASR_ENGINE: "deterministic",
        LINGOSTREAM_ASR_MAX_IN_FLIGHT: "2",
        LINGOSTREAM_ASR_MAX_SEGMENT_BYTES: String(MAX_SEGMENT_BYTES),
        LINGOSTREAM_SINK_FLUSH_INTERVAL_MS: "200",
        // http sources are off by default (source-policy.test.ts); on here so an unreachable URL can be tried.
        LINGOSTREAM_SEGMENTER_SOURCES: "s3,file,http",
      },
    });
    dir = await mkdtemp(join(tmpdir(), "lingostream-bad-input-"));
    services = await startServices(stack.ctx, ROLES, stack.env, { engineFactory: testEngines });
    log = new EventLog(stack.ctx);
    await log.start();
    raw = new RawProducer(stack.ctx);
    await raw.connect();
    for (const key of ["jobs", "segments", "results"] as const) schemaIds[key] = await stack.ctx.serde.register(key);
    const key = `media/${TENANT}/sentinel/tone.wav`;
    await stack.ctx.store.put(key, await readFile(await tone(join(dir, "sentinel.wav"))), "audio/wav");
    sentinelSource = `s3://${stack.ctx.store.bucket}/${key}`;
    clusterEnv = { ...stack.env, KAFKA_BROKERS: stack.ctx.config.kafkaBrokers.join(","), LINGOSTREAM_TENANT: TENANT };
  });

  afterAll(async () => {
    if (rows.length > 0) {
      const width = Math.max(...rows.map((r) => r.input.length));
      console.info(`bad-input corpus: ${rows.length} inputs in ${((Date.now() - startedAt) / 1000).toFixed(0)} s\n${rows.map((r) => `  ${r.input.padEnd(width)}  →  ${r.outcome}`).join("\n")}`);
      console.info(
        `counts: jobs requested ${[...log.jobs.values()].filter((j) => j.requested).length}, completed ${[...log.jobs.values()].filter((j) => j.completed).length}, ` +
          `failed ${[...log.jobs.values()].filter((j) => j.failed).length}, results ${log.results.length}, dead letters ${log.deadLetters.length}, good jobs after bad inputs ${goodJobs}`,
      );
    }
    await raw?.disconnect().catch(() => {});
    await log?.stop().catch(() => {});
    if (services.length > 0) await stopServices(services);
    if (stack) {
      for (const key of await keysOfThisRun()) await stack.ctx.store.delete(key).catch(() => {});
      await stack.cleanup();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function record(input: string, outcome: string): void {
    rows.push({ input, outcome: outcome.replace(/\s+/g, " ").slice(0, 160) });
  }

  /** Every key in the bucket that this run wrote: its tenants and hostile ids carry the token, its archive the topic prefix. */
  async function keysOfThisRun(): Promise<string[]> {
    const keys: string[] = [];
    for await (const o of stack.ctx.store.list("")) if (o.key.includes(token) || o.key.includes(stack.prefix)) keys.push(o.key);
    return keys;
  }

  /** A good job produced after the bad input: with one partition per topic it is handled after it, by the same workers. */
  async function goodJobStillCompletes(after: string): Promise<void> {
    const jobId = `good-${++goodJobs}-${token}`;
    await raw.job(jobRequested({ tenant: TENANT, jobId, source: sentinelSource, sourceName: "tone.wav" }), jobId);
    const trail = await waitFor(() => {
      const t = log.jobs.get(jobId);
      return t?.completed || t?.failed ? t : undefined;
    }, `the good job after ${after}`, 90_000);
    expect(trail.failed, `good job after ${after}`).toBeUndefined();
    expect(trail.completed).toMatchObject({ segmentCount: 1, transcribedCount: 1, failedCount: 0 });
    for (const service of services) expect(await hasSettled(service.done), `${service.name} still running`).toBe(false);
  }

  async function runTranscribe(paths: string[], options: { engine?: string; tenant?: string } = {}): Promise<{ code: number; output: string }> {
    const chunks: string[] = [];
    const write = process.stderr.write;
    // transcribe reports per file on stderr; keep a copy to assert on, and still show it.
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return (write as (...args: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
    }) as typeof process.stderr.write;
    try {
      const code = await transcribe(
        paths,
        { out: join(dir, "out"), language: "en", engine: options.engine ?? "deterministic", tenant: options.tenant ?? TENANT, timeout: "150" },
        clusterEnv,
      );
      return { code, output: chunks.join("") };
    } finally {
      process.stderr.write = write;
    }
  }

  /** The ended job the run submitted for a file, by the name transcribe recorded. */
  function endedJob(sourceName: string) {
    return waitFor(() => {
      const found = log.jobsOf(TENANT).find((j) => j.trail.requested?.sourceName === sourceName);
      return found && (found.trail.completed || found.trail.failed) ? found : undefined;
    }, `the job of ${sourceName}`, 30_000);
  }

  async function transcriptOf(sourceName: string): Promise<{ words: { text: string }[]; segments: { start: number; end: number }[] }> {
    const { trail } = await endedJob(sourceName);
    expect(trail.failed, `${sourceName} failed: ${trail.failed?.message}`).toBeUndefined();
    return JSON.parse((await stack.ctx.store.get(trail.completed!.transcriptKeys.json, 64 * 1024 * 1024)).toString("utf8"));
  }

  /** A bad file and a good one in one run: the bad one fails clearly, the good one (queued behind it) completes. */
  async function badMediaFails(label: string, file: string, sourceName: string, reason: RegExp): Promise<void> {
    const good = await tone(join(dir, `good-after-${goodJobs + 1}.wav`));
    goodJobs++;
    const { code, output } = await runTranscribe([file, good]);
    expect(code).toBe(1);
    const { trail } = await endedJob(sourceName);
    expect(trail.failed, `${label} should fail`).toBeDefined();
    expect(trail.failed!.reason).toMatch(reason);
    expect(output).toContain(`FAILED ${sourceName}: ${trail.failed!.message}`);
    await transcriptOf(`good-after-${goodJobs}.wav`);
    record(label, `JobFailed ${trail.failed!.reason}: ${trail.failed!.message}`);
  }

  async function sinkBadRecords(topic: string, reason: string): Promise<number> {
    const metric = stack.ctx.metrics.getSingleMetric("lingostream_sink_bad_records_total");
    const { values } = await metric!.get();
    return values.filter((v) => v.labels.topic === topic && v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0);
  }

  async function counterValue(name: string): Promise<number> {
    const { values } = await stack.ctx.metrics.getSingleMetric(name)!.get();
    return values.reduce((sum, v) => sum + v.value, 0);
  }

  async function deadLetterAt(offset: string, what: string) {
    return waitFor(() => log.deadLetterAt(offset), `the dead letter of ${what}`, 60_000);
  }

  async function deadLetterOf(segmentId: string, what: string) {
    return waitFor(() => log.deadLetters.find((d) => d.segmentId === segmentId), `the dead letter of ${what}`, 60_000);
  }

  // ---------------------------------------------------------------- media through `transcribe`

  it("a zero-byte file fails its job with a clear reason", async () => {
    await badMediaFails("zero-byte file", await zeroBytes(join(dir, "zero-byte.wav")), "zero-byte.wav", /not-media/);
  });

  it("a WAV cut inside its header fails its job", async () => {
    await badMediaFails("truncated WAV header (30 bytes)", await truncatedWavHeader(join(dir, "truncated-header.wav")), "truncated-header.wav", /not-media/);
  });

  it("random bytes named .mp4 fail their job", async () => {
    await badMediaFails("random bytes named .mp4", await randomBytesFile(join(dir, "random-bytes.mp4")), "random-bytes.mp4", /not-media/);
  });

  it("a video without an audio track fails its job as no-audio", async () => {
    await badMediaFails("video without an audio track", await videoWithoutAudio(join(dir, "video-only.mp4")), "video-only.mp4", /no-audio/);
  });

  it("an hour of silence completes with every segment and no words", async () => {
    const file = await silence(join(dir, "hour-of-silence.flac"), HOUR);
    const { code } = await runTranscribe([file]);
    expect(code).toBe(0);
    const transcript = await transcriptOf("hour-of-silence.flac");
    const { trail } = await endedJob("hour-of-silence.flac");
    expect(trail.completed!.failedCount).toBe(0);
    expect(trail.completed!.transcribedCount).toBe(trail.completed!.segmentCount);
    expect(trail.completed!.segmentCount).toBeGreaterThanOrEqual(HOUR / 45);
    expect(transcript.words).toEqual([]);
    expect(transcript.segments.at(-1)!.end).toBeCloseTo(HOUR, 0);
    record("an hour of silence (FLAC)", `JobCompleted: ${trail.completed!.segmentCount} segments, 0 words, ends at ${transcript.segments.at(-1)!.end} s`);
    await goodJobStillCompletes("an hour of silence");
  });

  for (const [label, options] of [
    ["8 kHz", { sampleRate: 8000 }],
    ["192 kHz", { sampleRate: 192_000 }],
    ["8 channels", { channels: 8 }],
  ] as const) {
    it(`a WAV of ${label} is brought to 16 kHz mono and transcribed`, async () => {
      const name = `tone-${label.replace(/\s+/g, "-")}.wav`;
      const { code } = await runTranscribe([await tone(join(dir, name), { seconds: 3, ...options })]);
      expect(code).toBe(0);
      const transcript = await transcriptOf(name);
      // One word per second of tone from the test engine.
      expect(transcript.words).toHaveLength(3);
      record(`${label} WAV`, `JobCompleted: ${transcript.words.length} words`);
      await goodJobStillCompletes(label);
    });
  }

  it("a 250-byte file name is transcribed under bounded, key-safe names", async () => {
    const name = longName(250);
    expect(Buffer.byteLength(name)).toBe(250);
    const { code } = await runTranscribe([await tone(join(dir, name))]);
    expect(code).toBe(0);
    const transcript = await transcriptOf(name);
    expect(transcript.words).toHaveLength(3);
    const outputs = (await readdir(join(dir, "out"))).filter((f) => f.startsWith("long-name-") && f.endsWith(".json"));
    expect(outputs).toHaveLength(1);
    expect(Buffer.byteLength(outputs[0]!)).toBeLessThanOrEqual(255);
    record("250-byte file name", `JobCompleted; output ${Buffer.byteLength(outputs[0]!)}-byte name`);
    await goodJobStillCompletes("a 250-byte file name");
  });

  it("a file whose name is not UTF-8 is transcribed", async () => {
    const { dir: folder } = await nonUtf8NamedTone(join(dir, "non-utf8"));
    const { code, output } = await runTranscribe([folder]);
    expect(code, output).toBe(0);
    const job = log.jobsOf(TENANT).find((j) => j.trail.requested?.sourceName.startsWith("caf\ufffd"));
    expect(job?.trail.completed, "job of the non-UTF-8 name").toBeDefined();
    record("non-UTF-8 file name (in a folder)", `JobCompleted as ${JSON.stringify(job!.trail.requested!.sourceName)}`);
    await goodJobStillCompletes("a non-UTF-8 file name");
  });

  it("transcribe --tenant refuses ../, absolute, NUL and control-character tenants before submitting", async () => {
    const good = await tone(join(dir, "never-submitted.wav"));
    for (const tenant of Object.values(HOSTILE)) {
      await expect(runTranscribe([good], { tenant })).rejects.toThrow(/invalid tenant/);
    }
    expect([...log.jobs.values()].filter((j) => j.requested?.sourceName === "never-submitted.wav")).toEqual([]);
    record("transcribe --tenant ../ | /abs | NUL | ESC[2J\\r\\n (4)", "rejected before submit: invalid tenant \"…\": use 1-128 letters, digits, '.', '_' or '-' …");
    await goodJobStillCompletes("hostile --tenant values");
  });

  it("engine output with 1000-character words is sanitized: dropped and counted", async () => {
    const dropped = await counterValue("lingostream_asr_words_dropped_total");
    const name = "hallucinated.wav";
    const { code } = await runTranscribe([await tone(join(dir, name), { seconds: 2 })], { engine: HALLUCINATING });
    expect(code).toBe(0);
    const transcript = await transcriptOf(name);
    expect(transcript.words.map((w) => w.text)).toEqual(["hello", "world"]);
    const { jobId } = await endedJob(name);
    const result = log.results.find((r) => r.jobId === jobId)!;
    expect(result.droppedWords).toBe(2);
    expect(result.words.every((w) => w.text.length < LONG_WORD_LENGTH)).toBe(true);
    expect(await counterValue("lingostream_asr_words_dropped_total")).toBe(dropped + 2);
    record("engine output with 1000-character words", `JobCompleted: words ${JSON.stringify(transcript.words.map((w) => w.text))}, droppedWords 2`);
    await goodJobStillCompletes("1000-character words");
  });

  // ---------------------------------------------------------------- hand-crafted events on asr.jobs

  for (const [label, ids] of [
    ["JobRequested tenant ../", { tenant: HOSTILE.dotDot, jobId: `job-dotdot-${token}` }],
    ["JobRequested tenant absolute path", { tenant: HOSTILE.absolute, jobId: `job-abs-${token}` }],
    ["JobRequested job id ../../../", { tenant: TENANT, jobId: HOSTILE.deepDotDot }],
    ["JobRequested job id with NUL", { tenant: TENANT, jobId: HOSTILE.nul }],
    ["JobRequested job id with control characters", { tenant: TENANT, jobId: HOSTILE.control }],
    ["JobRequested tenant with NUL and control characters", { tenant: `${HOSTILE.nul}${HOSTILE.control}`, jobId: `job-ctl-${token}` }],
  ] as const) {
    it(`${label} fails the job as invalid-id and writes nothing`, async () => {
      await raw.job(jobRequested({ ...ids, source: sentinelSource }), `key-${token}`);
      const trail = await waitFor(() => log.jobs.get(ids.jobId)?.failed, `JobFailed of ${label}`, 60_000);
      expect(trail.reason).toBe("invalid-id");
      record(label, `JobFailed invalid-id: ${trail.message}`);
      await goodJobStillCompletes(label);
    });
  }

  it("a JobRequested whose S3 source does not exist fails the job", async () => {
    const jobId = `missing-source-${token}`;
    await raw.job(jobRequested({ tenant: TENANT, jobId, source: `s3://${stack.ctx.store.bucket}/media/${TENANT}/nothing-here.wav` }), jobId);
    const failed = await waitFor(() => log.jobs.get(jobId)?.failed, "JobFailed of the missing source", 60_000);
    record("JobRequested with a missing S3 source", `JobFailed ${failed.reason}: ${failed.message}`);
    await goodJobStillCompletes("a missing S3 source");
  });

  it("a JobRequested whose URL cannot be reached fails after a few tries instead of blocking asr.jobs", async () => {
    const jobId = `unreachable-${token}`;
    // Port 9 (discard) refuses connections: ffmpeg reports an I/O error, which could be a blip, so it is tried again, a bounded number of times.
    await raw.job(jobRequested({ tenant: TENANT, jobId, source: "http://127.0.0.1:9/media.wav" }), jobId);
    const failed = await waitFor(() => log.jobs.get(jobId)?.failed, "JobFailed of the unreachable URL", 60_000);
    expect(failed.reason).toBe("io");
    expect(failed.message).toMatch(/gave up after \d+ tries/);
    record("JobRequested source http://127.0.0.1:9/ (unreachable)", `JobFailed ${failed.reason}: ${failed.message}`);
    await goodJobStillCompletes("an unreachable URL");
  });

  it("a JobRequested whose source is a worker-local system file fails as not-media", async () => {
    const jobId = `local-path-${token}`;
    await raw.job(jobRequested({ tenant: TENANT, jobId, source: "/etc/passwd" }), jobId);
    const failed = await waitFor(() => log.jobs.get(jobId)?.failed, "JobFailed of the local path", 60_000);
    expect(failed.reason).toBe("not-media");
    record("JobRequested source /etc/passwd (worker-local path)", `JobFailed ${failed.reason}: ${failed.message}`);
    await goodJobStillCompletes("a worker-local path source");
  });

  for (const [label, bytes, reason] of [
    ["malformed Avro bytes on asr.jobs", async () => garbageBodyFrame(schemaIds.jobs), "malformed"],
    [
      "an AudioSegment (wrong schema) on asr.jobs",
      async () => stack.ctx.serde.encode("segments", await audioSegment(stack.ctx, { tenant: TENANT, jobId: `on-jobs-${token}`, store: false })),
      "incompatible-schema",
    ],
    ["unknown schema id on asr.jobs", async () => unknownSchemaIdFrame(), "unknown-schema-id"],
  ] as const) {
    it(`${label} is skipped and counted; the job consumers go on`, async () => {
      const topic = stack.ctx.topics.jobs;
      const before = await sinkBadRecords(topic, reason);
      await raw.raw("jobs", `garbage-${token}`, await bytes());
      await waitFor(async () => (await sinkBadRecords(topic, reason)) > before, `the sink to count ${label}`, 60_000);
      record(label, `skipped by the segmenter (logged); sink bad_records{reason=${reason}} +1`);
      await goodJobStillCompletes(label);
    });
  }

  // ---------------------------------------------------------------- hand-crafted events on asr.segments

  it("malformed Avro bytes on asr.segments are dead-lettered as malformed", async () => {
    const offset = await raw.raw("segments", `garbage-${token}`, garbageBodyFrame(schemaIds.segments));
    const letter = await deadLetterAt(offset, "a garbage Avro body");
    expect(letter).toMatchObject({ errorClass: "malformed", retryable: false, segment: null });
    record("malformed Avro body on asr.segments", `dead letter malformed: ${letter.message}`);
    await goodJobStillCompletes("a garbage Avro body");
  });

  it("bytes without the wire-format header on asr.segments are dead-lettered as malformed", async () => {
    const offset = await raw.raw("segments", `json-${token}`, Buffer.from(JSON.stringify({ tenant: TENANT, jobId: "x" })));
    const letter = await deadLetterAt(offset, "JSON bytes");
    expect(letter).toMatchObject({ errorClass: "malformed", retryable: false });
    record("JSON (no wire-format header) on asr.segments", `dead letter malformed: ${letter.message}`);
    await goodJobStillCompletes("JSON bytes");
  });

  it("an unknown schema id on asr.segments is dead-lettered as malformed", async () => {
    const offset = await raw.raw("segments", `unknown-id-${token}`, unknownSchemaIdFrame());
    const letter = await deadLetterAt(offset, "an unknown schema id");
    expect(letter).toMatchObject({ errorClass: "malformed", retryable: false });
    expect(letter.message).toContain(String(UNKNOWN_SCHEMA_ID));
    record("unknown schema id on asr.segments", `dead letter malformed: ${letter.message}`);
    await goodJobStillCompletes("an unknown schema id");
  });

  it("another topic's event on asr.segments is dead-lettered as malformed", async () => {
    const result = withSchemaDefaults("results", {
      tenant: TENANT,
      jobId: `wrong-topic-${token}`,
      segmentId: `wrong-topic-${token}-000000`,
      index: 0,
      startSeconds: 0,
      endSeconds: 1,
      language: "en",
      engine: "deterministic",
      text: "",
      words: [],
      droppedWords: 0,
      attempt: 1,
      processingMs: 1,
      producerId: "bad-input-test",
      eventTime: Date.now(),
    } as SegmentTranscribed);
    const offset = await raw.raw("segments", result.segmentId, await stack.ctx.serde.encode("results", result));
    const letter = await deadLetterAt(offset, "a SegmentTranscribed on asr.segments");
    expect(letter).toMatchObject({ errorClass: "malformed", retryable: false });
    record("SegmentTranscribed (wrong schema) on asr.segments", `dead letter malformed: ${letter.message}`);
    await goodJobStillCompletes("a wrong-topic event");
  });

  for (const [label, ids] of [
    ["AudioSegment tenant ../", { tenant: HOSTILE.dotDot, jobId: `seg-dotdot-${token}` }],
    ["AudioSegment job id absolute path", { tenant: TENANT, jobId: HOSTILE.absolute }],
    ["AudioSegment segment id with NUL and control characters", { tenant: TENANT, jobId: `seg-nul-${token}`, segmentId: `${HOSTILE.nul}${HOSTILE.control}` }],
  ] as const) {
    it(`${label} is dead-lettered and its ids never reach a key`, async () => {
      const segment = await audioSegment(stack.ctx, { ...ids, store: false, key: `segments/${TENANT}/hostile-${token}/000000.wav` });
      const offset = await raw.segment(segment, `hostile-${token}`);
      const letter = await deadLetterAt(offset, label);
      expect(letter).toMatchObject({ errorClass: "corrupt", retryable: false });
      expect(letter.message).toMatch(/invalid (tenant|job id|segment id)/);
      record(label, `dead letter ${letter.errorClass}: ${letter.message}`);
      await goodJobStillCompletes(label);
    });
  }

  it("a claim larger than the ASR's max segment bytes is dead-lettered as oversize without a download", async () => {
    const segment = await audioSegment(stack.ctx, { tenant: TENANT, jobId: `oversize-claim-${token}`, store: false, claim: { byteSize: MAX_SEGMENT_BYTES + 1 } });
    await raw.segment(segment);
    const letter = await deadLetterOf(segment.segmentId, "an oversize claim");
    expect(letter).toMatchObject({ errorClass: "oversize", retryable: false });
    record("claim byteSize over LINGOSTREAM_ASR_MAX_SEGMENT_BYTES", `dead letter oversize: ${letter.message}`);
    await goodJobStillCompletes("an oversize claim");
  });

  it("a claim that understates an object over the limit is dead-lettered as oversize", async () => {
    const big = encodeWav(Buffer.alloc(MAX_SEGMENT_BYTES + 64 * 1024), 16_000, 1);
    const segment = await audioSegment(stack.ctx, { tenant: TENANT, jobId: `understated-${token}`, wav: big, claim: { byteSize: 1024 } });
    await raw.segment(segment);
    const letter = await deadLetterOf(segment.segmentId, "an understated claim");
    expect(letter).toMatchObject({ errorClass: "oversize", retryable: false });
    record("claim understating an object over the limit", `dead letter oversize: ${letter.message}`);
    await goodJobStillCompletes("an understated claim");
  });

  it("an event near asr.segments' max.message.bytes is transcribed; one over it is refused at produce time", async () => {
    const jobId = `near-limit-${token}`;
    // Inline audio sized so the whole record lands just under the topic limit.
    let pcmBytes = 1_000_000;
    let segment = await audioSegment(stack.ctx, { tenant: TENANT, jobId, store: false, inline: true, wav: encodeWav(tonePcm(pcmBytes / 32_000), 16_000, 1) });
    const size = (await stack.ctx.serde.encode("segments", segment)).byteLength;
    pcmBytes += SEGMENTS_MAX_MESSAGE_BYTES - 2048 - size;
    pcmBytes -= pcmBytes % 2;
    segment = await audioSegment(stack.ctx, { tenant: TENANT, jobId, store: false, inline: true, wav: encodeWav(Buffer.alloc(pcmBytes, 1), 16_000, 1) });
    const nearSize = (await stack.ctx.serde.encode("segments", segment)).byteLength;
    expect(nearSize).toBeGreaterThan(SEGMENTS_MAX_MESSAGE_BYTES - 4096);
    expect(nearSize).toBeLessThan(SEGMENTS_MAX_MESSAGE_BYTES - 1024);
    await raw.segment(segment);
    const result = await waitFor(() => log.results.find((r) => r.segmentId === segment.segmentId), "the near-limit segment's result", 60_000);

    const over = await audioSegment(stack.ctx, {
      tenant: TENANT,
      jobId: `over-limit-${token}`,
      store: false,
      inline: true,
      wav: encodeWav(Buffer.alloc(SEGMENTS_MAX_MESSAGE_BYTES + 1024), 16_000, 1),
    });
    const refused = await raw.segment(over).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(refused?.message).toMatch(/larger than the max message size|too large/i);
    record(`event of ${nearSize} bytes (limit ${SEGMENTS_MAX_MESSAGE_BYTES})`, `SegmentTranscribed (${result.words.length} words)`);
    record("event over max.message.bytes", `producer error: ${refused?.message}`);
    await goodJobStillCompletes("events near and over max.message.bytes");
  });

  it("a claim check pointing at a missing object is dead-lettered as corrupt", async () => {
    const segment = await audioSegment(stack.ctx, { tenant: TENANT, jobId: `missing-object-${token}`, store: false });
    await raw.segment(segment);
    const letter = await deadLetterOf(segment.segmentId, "a missing object");
    expect(letter).toMatchObject({ errorClass: "corrupt", retryable: false });
    record("claim check → missing object", `dead letter corrupt: ${letter.message}`);
    await goodJobStillCompletes("a missing object");
  });

  it("a claim check pointing at an altered object (sha256 mismatch) is dead-lettered as corrupt", async () => {
    const segment = await audioSegment(stack.ctx, { tenant: TENANT, jobId: `altered-${token}` });
    const altered = encodeWav(Buffer.alloc(2 * 16_000 * 2, 7), 16_000, 1);
    expect(altered.byteLength).toBe(segment.claimCheck.byteSize);
    await stack.ctx.store.put(segment.claimCheck.key, altered, "audio/wav");
    await raw.segment(segment);
    const letter = await deadLetterOf(segment.segmentId, "an altered object");
    expect(letter).toMatchObject({ errorClass: "corrupt", retryable: false });
    expect(letter.message).toMatch(/sha256/);
    record("claim check → altered object (same size)", `dead letter corrupt: ${letter.message}`);
    await goodJobStillCompletes("an altered object");
  });

  it("a claim check with a ../ path is dead-lettered: S3 keys are literal, the object is not there", async () => {
    const victim = await audioSegment(stack.ctx, { tenant: OTHER_TENANT, jobId: `victim-${token}` });
    const key = `segments/${TENANT}/../${OTHER_TENANT}/victim-${token}/000000.wav`;
    const segment = await audioSegment(stack.ctx, { tenant: TENANT, jobId: `dotdot-claim-${token}`, store: false, key });
    await raw.segment({ ...segment, claimCheck: { ...victim.claimCheck, key } });
    const letter = await deadLetterOf(segment.segmentId, "a ../ claim check");
    expect(letter).toMatchObject({ errorClass: "corrupt", retryable: false });
    record("claim check → ../ path into another tenant", `dead letter corrupt: ${letter.message}`);
    await goodJobStillCompletes("a ../ claim check");
  });

  // Regression: a claim check naming another tenant's object was once read and
  // transcribed for the requesting tenant; the ASR now refuses keys outside
  // segments/<tenant>/.
  it("a claim check pointing at another tenant's object is dead-lettered as corrupt, not read", async () => {
    const victim = await audioSegment(stack.ctx, { tenant: OTHER_TENANT, jobId: `victim2-${token}` });
    const segment = await audioSegment(stack.ctx, { tenant: TENANT, jobId: `cross-tenant-${token}`, store: false, key: victim.claimCheck.key });
    await raw.segment({ ...segment, claimCheck: victim.claimCheck });
    const outcome = await waitFor(
      () =>
        (log.deadLetters.some((d) => d.segmentId === segment.segmentId) && "dead letter") ||
        (log.results.some((r) => r.segmentId === segment.segmentId) && "transcribed"),
      "the cross-tenant segment's outcome",
      60_000,
    );
    record("claim check → another tenant's object", outcome === "transcribed" ? "SegmentTranscribed under the requesting tenant (cross-tenant read!)" : "dead letter corrupt");
    expect(outcome).toBe("dead letter");
    expect(log.deadLetters.find((d) => d.segmentId === segment.segmentId)).toMatchObject({ errorClass: "corrupt", retryable: false });
    await goodJobStillCompletes("a cross-tenant claim check");
  });

  it("a claim-checked WAV cut inside its header is dead-lettered as decode", async () => {
    const wav = encodeWav(Buffer.alloc(3200), 16_000, 1).subarray(0, 30);
    const segment = await audioSegment(stack.ctx, { tenant: TENANT, jobId: `segment-truncated-${token}`, wav });
    await raw.segment(segment);
    const letter = await deadLetterOf(segment.segmentId, "a truncated segment WAV");
    expect(letter).toMatchObject({ errorClass: "decode", retryable: false });
    record("segment WAV cut inside its header", `dead letter decode: ${letter.message}`);
    await goodJobStillCompletes("a truncated segment WAV");
  });

  it("an 8-channel segment is dead-lettered as decode; a 192 kHz mono one is transcribed", async () => {
    const eight = await audioSegment(stack.ctx, { tenant: TENANT, jobId: `segment-8ch-${token}`, wav: encodeWav(tonePcm(1, 16_000, 8), 16_000, 8), claim: { channels: 8 } });
    await raw.segment(eight);
    const letter = await deadLetterOf(eight.segmentId, "an 8-channel segment");
    expect(letter).toMatchObject({ errorClass: "decode", retryable: false });
    const hi = await audioSegment(stack.ctx, { tenant: TENANT, jobId: `segment-192k-${token}`, wav: encodeWav(tonePcm(2, 192_000), 192_000, 1), claim: { sampleRate: 192_000 } });
    await raw.segment(hi);
    const result = await waitFor(() => log.results.find((r) => r.segmentId === hi.segmentId), "the 192 kHz segment's result", 60_000);
    expect(result.words).toHaveLength(2);
    record("8-channel segment on asr.segments", `dead letter decode: ${letter.message}`);
    record("192 kHz mono segment on asr.segments", `SegmentTranscribed (${result.words.length} words)`);
    await goodJobStillCompletes("8-channel and 192 kHz segments");
  });

  // ---------------------------------------------------------------- hand-crafted events on asr.results

  for (const [label, bytes, reason] of [
    ["malformed Avro bytes on asr.results", () => garbageBodyFrame(schemaIds.results), "malformed"],
    ["unknown schema id on asr.results", () => unknownSchemaIdFrame(), "unknown-schema-id"],
  ] as const) {
    it(`${label} are skipped and counted by the sink`, async () => {
      const topic = stack.ctx.topics.results;
      const before = await sinkBadRecords(topic, reason);
      await raw.raw("results", `garbage-${token}`, bytes());
      await waitFor(async () => (await sinkBadRecords(topic, reason)) > before, `the sink to count ${label}`, 60_000);
      record(label, `skipped by the sink: bad_records{reason=${reason}} +1`);
      await goodJobStillCompletes(label);
    });
  }

  it("a SegmentTranscribed with a ../ tenant on asr.results is skipped as invalid-id", async () => {
    const topic = stack.ctx.topics.results;
    const before = await sinkBadRecords(topic, "invalid-id");
    const result = withSchemaDefaults("results", {
      tenant: HOSTILE.dotDot,
      jobId: `result-dotdot-${token}`,
      segmentId: `result-dotdot-${token}-000000`,
      index: 0,
      startSeconds: 0,
      endSeconds: 1,
      language: "en",
      engine: "deterministic",
      text: "pwned",
      words: [{ text: "pwned", start: 0, end: 1, confidence: 1 }],
      droppedWords: 0,
      attempt: 1,
      processingMs: 1,
      producerId: "bad-input-test",
      eventTime: Date.now(),
    } as SegmentTranscribed);
    await raw.result(result, result.jobId);
    await waitFor(async () => (await sinkBadRecords(topic, "invalid-id")) > before, "the sink to count the hostile result", 60_000);
    record("SegmentTranscribed tenant ../ on asr.results", "skipped by the sink: bad_records{reason=invalid-id} +1");
    await goodJobStillCompletes("a hostile result");
  });

  // ---------------------------------------------------------------- after everything

  it("left every object key of the run inside its tenant's prefix", async () => {
    const keys = await keysOfThisRun();
    expect(keys.length).toBeGreaterThan(0);
    const tenants = [TENANT, OTHER_TENANT];
    const allowed = (key: string) =>
      tenants.some((t) => ["media", "segments", "jobs", "transcripts"].some((kind) => key.startsWith(`${kind}/${t}/`))) ||
      key.startsWith(`archive/${stack.prefix}`);
    const hostile = (key: string) =>
      key.startsWith("/") ||
      key.split("/").some((part) => part === ".." || part === "." || part === "") ||
      [...key].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
    const escaped = keys.filter((key) => !allowed(key) || hostile(key));
    expect(escaped).toEqual([]);
    record("object-key audit", `${keys.length} keys of this run, all under media|segments|jobs|transcripts/<tenant>/ or archive/<topic>/; none with '..', '//', a leading '/' or control characters`);
  });
});

/** Whether a promise has settled, without waiting for it. */
async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol("pending");
  return (await Promise.race([promise.then(() => true, () => true), Promise.resolve(pending)])) !== pending;
}
