// Crash safety: the ASR processor SIGKILLed mid-segment and restarted, the
// Kafka broker restarted mid-run, S3 unreachable for a while, the S3 server
// SIGKILLed and started again on its data. Each disturbed run must end with
// every job's transcript complete: no segment missing, none duplicated, and
// the same words as an undisturbed run of the same media. About 4 minutes;
// run alone with
//   npx vitest run --project integration cli/test/integration/crash-safety.int.test.ts
// The broker is a private one (restarting the shared broker would break other
// tests), and so is the S3 server of the run that kills it; otherwise the
// registry and S3 are the shared ones, S3 behind a proxy that the outage
// closes. The workers are real `lingostream worker` processes.
// CRASH_SEED=<n> repeats a run's random fault points; CRASH_KEEP=1 keeps the
// worker logs (they are kept anyway when a test fails).

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LOCAL_S3_CREDENTIALS, LOCAL_S3_ENDPOINT } from "@lingostream/runtime";
import { freePort } from "@lingostream/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FaultRunOutcome, type RunHandle, type RunReport, runWithFault, type TranscriptJson } from "./crash/fault-run.ts";
import { generateMedia } from "./crash/media.ts";
import { checkSurvival, listBucket, type Survival } from "./crash/object-survival.ts";
import { type PrivateBroker, startPrivateBroker } from "./crash/private-broker.ts";
import { type PrivateS3, startPrivateS3 } from "./crash/private-s3.ts";
import { TcpProxy } from "./crash/tcp-proxy.ts";

const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const KILLS = 3;
const OUTAGE_MS = 8000;
// Longer than the producers' retry budget (kafkajs retries 8, up to 5 s apart:
// about 20 s), so a result written while the broker is away fails for good and
// must be done again rather than dead-lettered (regression: it was dead-lettered
// as a permanent "unknown" failure).
const BROKER_DOWN_MS = 22_000;
// The S3 server killed and started again: a few seconds down, shorter than
// the processors' and the sink's patience, as a supervisor would restart it.
const S3_DOWN_MS = 5000;

/** mulberry32: a small seeded generator, so a failing run's kill points can be repeated. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(SEED);

describe("crash safety", () => {
  let dir: string;
  let media: string[];
  let broker: PrivateBroker;
  let proxy: TcpProxy;
  let privateS3: PrivateS3 | undefined;
  let env: NodeJS.ProcessEnv;
  let baseline: FaultRunOutcome | undefined;
  const reports: RunReport[] = [];
  let keep = process.env.CRASH_KEEP === "1";

  afterEach((context) => {
    if (context.task.result?.state === "fail") keep = true;
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "lingostream-crash-"));
    media = await generateMedia(dir);
    broker = await startPrivateBroker();
    const s3 = new URL(process.env.S3_ENDPOINT ?? LOCAL_S3_ENDPOINT);
    proxy = new TcpProxy({ host: s3.hostname, port: Number(s3.port || 80) }, await freePort());
    await proxy.open();
    env = {
      KAFKA_BROKERS: broker.brokers,
      // Every worker reaches S3 through the proxy; the endpoint is no longer the
      // local default, so the local stack's key is given explicitly.
      S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
      S3_ACCESS_KEY_ID: process.env.S3_ACCESS_KEY_ID ?? LOCAL_S3_CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: process.env.S3_SECRET_ACCESS_KEY ?? LOCAL_S3_CREDENTIALS.secretAccessKey,
      // Each worker process logs to a file per run.
      LOG_LEVEL: "info",
      LINGOSTREAM_ASR_ENGINE: "deterministic",
      // Segments take a moment each, so kills and outages land while some are in flight.
      LINGOSTREAM_ASR_DETERMINISTIC_DELAY_MS: "40",
      LINGOSTREAM_ASR_MAX_IN_FLIGHT: "3",
      // The broker's minimum: a killed worker's partitions move on after 6 s.
      LINGOSTREAM_ASR_SESSION_TIMEOUT_MS: "6000",
      LINGOSTREAM_ASR_HEARTBEAT_MS: "1000",
      LINGOSTREAM_SEGMENT_TARGET_SECONDS: "15",
      LINGOSTREAM_SEGMENT_WINDOW_SECONDS: "4",
      LINGOSTREAM_SEGMENT_MAX_SECONDS: "25",
      LINGOSTREAM_SINK_FLUSH_INTERVAL_MS: "500",
    };
    console.info(`crash suite: CRASH_SEED=${SEED}, private broker ${broker.brokers}, S3 proxy ${env.S3_ENDPOINT}`);
  });

  afterAll(async () => {
    // Every private server goes, and its data with it, whatever happened to the others.
    const cleanups = await Promise.allSettled([proxy?.close(), broker?.destroy(), privateS3?.destroy()]);
    if (dir && !keep) await rm(dir, { recursive: true, force: true });
    if (dir && keep) console.info(`crash suite: worker logs and outputs kept in ${dir}`);
    for (const r of reports) {
      console.info(
        `${r.scenario}: jobs ${r.jobs}, segments in ${r.segmentsIn}, transcribed ${r.transcribed} (${r.resultEvents} result events), ` +
          `dead-lettered ${r.deadLettered}, retried ${r.retried}, replayed ${r.replayed}, duplicates ${r.duplicates}, lost ${r.lost}, ` +
          `JobCompleted ${r.completions}, ASR worker starts ${r.workerStarts} / kills ${r.workerKills} / exits by itself ${r.workerUnexpectedExits}, ` +
          `pipeline worker exits by itself ${r.pipelineUnexpectedExits}, workers not drained in 30 s ${r.stopTimeouts}, ` +
          `observer consumer restarts ${r.observerRestarts}, transcribe exit ${r.transcribeExitCode}${r.notes.length > 0 ? `\n  ${r.notes.join("\n  ")}` : ""}`,
      );
    }
    const failed = cleanups.find((c) => c.status === "rejected");
    if (failed) throw failed.reason;
  });

  /** One run; `options.env` overrides the suite's (another S3 server, say). */
  const run = async (scenario: string, fault?: (run: RunHandle) => Promise<void>, options: { env?: NodeJS.ProcessEnv; replayDeadLetters?: boolean } = {}) => {
    const outcome = await runWithFault({
      scenario,
      media,
      dir,
      env: { ...env, ...options.env },
      expectedSegments: baseline?.report.segmentsIn,
      fault,
      replayDeadLetters: options.replayDeadLetters ?? false,
    });
    reports.push(outcome.report);
    return outcome;
  };

  /** The guarantee: complete, nothing lost, nothing twice, and word for word the undisturbed run. */
  const expectSameAsBaseline = (outcome: FaultRunOutcome) => {
    const { report, transcripts } = outcome;
    expect(baseline, "the undisturbed run must pass first").toBeDefined();
    expect(report.jobs).toBe(media.length);
    expect(report.segmentsIn).toBe(baseline!.report.segmentsIn);
    expect(report.transcribed).toBe(report.segmentsIn);
    expect(report.duplicates).toBe(0);
    expect(report.lost).toBe(0);
    for (const [name, expected] of baseline!.transcripts) {
      const actual = transcripts.get(name) as TranscriptJson;
      expect(actual, name).toBeDefined();
      expect(actual.failedCount, name).toBe(0);
      expect(actual.failedSegments, name).toEqual([]);
      expect(actual.transcribedCount, name).toBe(actual.segmentCount);
      expect(actual.segments.map((s) => s.index), name).toEqual(expected.segments.map((_, i) => i));
      expect(actual.segments, name).toEqual(expected.segments);
      expect(actual.words.map((w) => [w.text, w.start, w.end]), name).toEqual(expected.words.map((w) => [w.text, w.start, w.end]));
    }
  };

  it("an undisturbed run transcribes every segment of every job once", async () => {
    const outcome = await run("baseline");
    const { report, transcripts } = outcome;
    expect(report.transcribeExitCode).toBe(0);
    expect(report.jobs).toBe(media.length);
    expect(report.segmentsIn).toBeGreaterThanOrEqual(20);
    expect(report.deadLettered).toBe(0);
    expect(report.duplicates).toBe(0);
    expect(report.lost).toBe(0);
    for (const transcript of transcripts.values()) {
      expect(transcript.failedCount).toBe(0);
      expect(transcript.segments.map((s) => s.index)).toEqual(transcript.segments.map((_, i) => i));
      expect(transcript.words.length).toBeGreaterThan(transcript.segments.length);
    }
    baseline = outcome;
  });

  it(`SIGKILLing the ASR processor ${KILLS} times mid-segment loses and duplicates nothing`, async () => {
    const outcome = await run("asr-sigkill", async ({ asr, expectedSegments, untilTranscribed, assertWorkLeft, note }) => {
      const total = expectedSegments!;
      // Kill points spread over the run, each after the previous worker has made progress.
      const points = Array.from({ length: KILLS }, (_, i) => Math.floor(total * (0.1 + (0.6 * i) / KILLS + random() * (0.6 / KILLS))));
      for (let i = 0; i < points.length; i++) {
        await untilTranscribed(Math.max(points[i]!, (points[i - 1] ?? 0) + 2));
        // A random moment inside the next segments' transcription.
        await sleep(Math.floor(random() * 500));
        const pid = asr.pid;
        assertWorkLeft(`SIGKILL ${i + 1}`);
        await asr.kill();
        note(`SIGKILL ${i + 1} of worker pid ${pid} after ${points[i]} of ${total} segments`);
        asr.start();
      }
    });
    expect(outcome.report.workerKills).toBe(KILLS);
    expect(outcome.report.deadLettered).toBe(0);
    expect(outcome.report.transcribeExitCode).toBe(0);
    expectSameAsBaseline(outcome);
  });

  it("restarting the Kafka broker mid-run loses, duplicates and dead-letters nothing", async () => {
    const outcome = await run("broker-restart", async ({ expectedSegments, untilTranscribed, assertWorkLeft, note }) => {
      await untilTranscribed(Math.floor(expectedSegments! * (0.25 + random() * 0.25)));
      assertWorkLeft("the broker stop");
      const started = Date.now();
      await broker.stop();
      await sleep(BROKER_DOWN_MS);
      await broker.start();
      note(`broker down and back in ${Date.now() - started} ms`);
    });
    expect(outcome.report.deadLettered).toBe(0);
    expect(outcome.report.transcribeExitCode).toBe(0);
    expectSameAsBaseline(outcome);
  });

  // Regression: an S3 outage used to dead-letter every segment fetched during it
  // (retriable failures were re-published at once and used up their attempts in
  // about a second); the processor now hands such segments back uncommitted.
  it("an S3 outage mid-run ends with every transcript complete and no dead letters", async () => {
    const outcome = await run(
      "s3-outage",
      async ({ expectedSegments, untilTranscribed, assertWorkLeft, note }) => {
        await untilTranscribed(Math.floor(expectedSegments! * (0.25 + random() * 0.25)));
        assertWorkLeft("the S3 outage");
        const reset = proxy.stats.reset;
        await proxy.close();
        await sleep(OUTAGE_MS);
        await proxy.open();
        note(`S3 unreachable for ${OUTAGE_MS} ms (${proxy.stats.reset - reset} open connections reset)`);
      },
    );
    expect(outcome.report.deadLettered).toBe(0);
    expectSameAsBaseline(outcome);
  });

  it("SIGKILLing the S3 server mid-run and starting it again on its data loses, duplicates and dead-letters nothing", async () => {
    // A server of this run's own: killing the shared one would break other tests.
    privateS3 = await startPrivateS3();
    const server = privateS3;
    let survival: Survival | undefined;
    const outcome = await run(
      "s3-sigkill",
      async ({ store, observer, expectedSegments, untilTranscribed, assertWorkLeft, note }) => {
        await untilTranscribed(Math.floor(expectedSegments! * (0.2 + random() * 0.4)));
        // A random moment inside the next segments' transcription and upload.
        await sleep(Math.floor(random() * 500));
        assertWorkLeft("the S3 server's SIGKILL");
        const before = await listBucket(store);
        const done = observer.transcribedIds().size;
        const pid = await server.kill();
        const killedAt = Date.now();
        await sleep(S3_DOWN_MS);
        await server.start();
        note(`S3 server pid ${pid} SIGKILLed after ${done} of ${expectedSegments} segments, ${before.size} objects stored; answering again on the same data after ${Date.now() - killedAt} ms`);
        survival = await checkSurvival(before, {
          store,
          completedJobs: () => new Set([...observer.jobs].filter(([, job]) => job.completions.length > 0).map(([id]) => id)),
          claimChecks: () => new Map(observer.segments.map((s) => [s.claimCheck.key, s.claimCheck.sha256])),
        });
        note(
          `after the restart: ${survival.kept} of ${survival.before} objects (${Object.entries(survival.beforeByFolder).map(([f, n]) => `${f}/ ${n}`).join(", ")}) there, ${survival.deletedWithJob} audio/media deleted with their completed job, ` +
            `${survival.recut} archive batches cut again, ${survival.missing.length} missing, ${survival.resized.length} resized; ` +
            `${survival.audioVerified} segment audio objects match their claim checks, ${survival.audioCorrupt.length} do not`,
        );
      },
      { env: server.env },
    );
    expect(survival, "the fault must have run to its end").toBeDefined();
    expect(survival!.before).toBeGreaterThan(0);
    expect(survival!.missing, "objects stored before the kill and gone after it").toEqual([]);
    expect(survival!.resized, "objects written once whose size changed across the kill").toEqual([]);
    expect(survival!.audioCorrupt, "segment audio that no longer matches its claim check").toEqual([]);
    // Segments were still waiting at the kill, so some audio was still stored and read back.
    expect(survival!.audioVerified).toBeGreaterThan(0);
    expect(outcome.report.deadLettered).toBe(0);
    expect(outcome.report.transcribeExitCode).toBe(0);
    expectSameAsBaseline(outcome);
  });
});
