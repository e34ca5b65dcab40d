// `lingostream transcribe <path...> --out <dir>`: the main job. Without
// KAFKA_BROKERS it uses the local stack (started if needed) and runs the
// workers in this process; with a cluster configured it only submits and waits.
//
// A run is resumable: each file's job id comes from its content (job-identity),
// asr.jobs tells which jobs already completed (their transcripts are written,
// nothing is redone) and which are under way (the run attaches to them), and
// only the rest is submitted, a window at a time, so the backlog waits on disk
// rather than in Kafka and S3. Each transcript is written as its job completes.

import { createReadStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Upload } from "@aws-sdk/lib-storage";
import { asrSpec } from "@lingostream/asr";
import {
  appendJobEvent,
  assertBrokersReachable,
  assertValidId,
  availableCores,
  connectionSpec,
  createServiceContext,
  type Env,
  loadConfig,
  mapLimit,
  mergedEnv,
  PipelineError,
  type ServiceContext,
  Shutdown,
  slugify,
} from "@lingostream/runtime";
import { type JobCompleted, PRIORITY_SYMBOLS, type Priority } from "@lingostream/schemas";
import { ROLES, startServices, stopServices } from "@lingostream/worker-host";
import type { Command } from "commander";
import type { Producer } from "kafkajs";
import { commandLogger } from "../command-context.ts";
import { EXIT } from "../exit-codes.ts";
import { commandEnv } from "../global-options.ts";
import { expandInputs, type MediaInputRef, outputNames } from "../inputs.ts";
import { isEnded, JobWatcher, type WatchedJob } from "../job-watcher.ts";
import { addJsonOption } from "../output-options.ts";
import { createProgress, type Progress } from "../progress.ts";
import { scanEvents } from "../topic-scan/topic-scan.ts";
import { JobHistory } from "../transcribe/job-history.ts";
import { contentDigest, jobIdFor } from "../transcribe/job-identity.ts";
import { storedCompletion } from "../transcribe/stored-completion.ts";
import { outputPaths, outputsCurrent, writeOutputs } from "../transcribe/transcript-outputs.ts";
import { addExamples, checkArgs } from "../usage.ts";
import { replay } from "./replay.ts";
import { ensureLocalStack } from "./stack.ts";
import { applyConfiguredTopics } from "./topics.ts";

export interface TranscribeOptions {
  out: string;
  language: string;
  engine?: string;
  tenant?: string;
  timeout?: string;
  force?: boolean;
  retryFailed?: boolean;
  json?: boolean;
  jobsInFlight?: string;
  priority?: string;
}

/** Files hashed at once: reading is I/O-bound, a few overlap well. */
const HASH_CONCURRENCY = 4;

export function registerTranscribeCommand(program: Command): void {
  const cmd = program
    .command("transcribe")
    .description("transcribe media files, folders or s3:// URIs into <out>/<name>.json, .srt and .vtt; a rerun resumes")
    .argument("<paths...>", "media files, folders of media, or s3://bucket/key URIs")
    .requiredOption("-o, --out <dir>", "folder for the transcripts")
    .option("-l, --language <code>", "spoken language", "en")
    .option("-e, --engine <name>", "ASR engine: pocketsphinx, whisper, openai, deterministic (default from LINGOSTREAM_ASR_ENGINE)")
    .option("-t, --tenant <tenant>", "tenant recorded on the jobs (default from LINGOSTREAM_TENANT)")
    .option("--timeout <seconds>", "give up waiting after this long (default: no limit)")
    .option("--force", "transcribe again files whose jobs already completed (as new jobs)")
    .option("--retry-failed", "replay the failed segments of these files' jobs and write the repaired transcripts")
    .option("--jobs-in-flight <n>", "jobs submitted and not yet complete at any time (default: 4 per core, at least 8)")
    .option("--priority <level>", "normal (bulk) or high (interactive): high jobs overtake the tenant's normal ones without stopping them", "normal");
  addJsonOption(cmd);
  addExamples(cmd, [
    "lingostream transcribe samples/ -o transcripts/",
    "lingostream transcribe talk.mp4 -o out/ --engine pocketsphinx --timeout 600",
    "lingostream -b kafka-1:9092 transcribe s3://media/talk.mp4 -o out/ --json | jq '.totals'",
    "lingostream transcribe samples/ -o transcripts/ --retry-failed",
  ]);
  cmd.action(async (paths: string[], opts: TranscribeOptions, command: Command) => {
    const env = commandEnv(command);
    checkArgs(command, () => parseOptions(opts, runEnvOf(opts, env)));
    process.exitCode = await transcribe(paths, opts, env);
  });
}

/** The environment the run's services load: the command's, with --engine laid over it. */
function runEnvOf(opts: TranscribeOptions, env: Env): Env {
  return opts.engine ? { ...env, LINGOSTREAM_ASR_ENGINE: opts.engine } : env;
}

export type FileStatus = "completed" | "partial" | "failed" | "skipped" | "pending";

export interface FileSummary {
  path: string;
  name: string;
  jobId?: string;
  status: FileStatus;
  /** What this run did for it: submitted, attached (already under way), done-before (completed by an earlier run), retried. */
  how?: "submitted" | "attached" | "done-before" | "retried";
  outputs: string[];
  failedSegments: number;
  message?: string;
}

interface RunJob {
  jobId: string;
  /** Every input with this content: one job, one output set per name. */
  files: { input: MediaInputRef; name: string; summary: FileSummary }[];
  how: NonNullable<FileSummary["how"]>;
  /** The completion an earlier run saw; a retry whose segments all fail again ends with it unchanged. */
  priorCompleted?: JobCompleted;
}

interface ParsedOptions {
  tenant: string;
  engine: string;
  language: string;
  outDir: string;
  timeoutMs?: number;
  jobsInFlight: number;
  priority: Priority;
}

function parseOptions(opts: TranscribeOptions, env: Env): ParsedOptions {
  const tenant = assertValidId("tenant", opts.tenant ?? loadConfig(connectionSpec, env).tenant);
  const engine = loadConfig(asrSpec, env).engine;
  const language = opts.language.trim();
  if (!/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$|^auto$/.test(language)) {
    throw new PipelineError("config-invalid", `invalid --language ${JSON.stringify(opts.language)}: use an ISO 639 code such as en, or auto`);
  }
  let timeoutMs: number | undefined;
  if (opts.timeout !== undefined) {
    const seconds = Number(opts.timeout);
    if (!(seconds > 0)) throw new PipelineError("config-invalid", `invalid --timeout ${JSON.stringify(opts.timeout)}: use a number of seconds`);
    timeoutMs = seconds * 1000;
  }
  let jobsInFlight = Math.max(8, 4 * availableCores());
  if (opts.jobsInFlight !== undefined) {
    jobsInFlight = Number(opts.jobsInFlight);
    if (!Number.isInteger(jobsInFlight) || jobsInFlight < 1) {
      throw new PipelineError("config-invalid", `invalid --jobs-in-flight ${JSON.stringify(opts.jobsInFlight)}: use a whole number of at least 1`);
    }
  }
  const priority = (opts.priority ?? "normal").trim() as Priority;
  if (!PRIORITY_SYMBOLS.includes(priority)) {
    throw new PipelineError("config-invalid", `invalid --priority ${JSON.stringify(opts.priority)}: use ${PRIORITY_SYMBOLS.join(" or ")}`);
  }
  return { tenant, engine, language, outDir: resolve(opts.out), timeoutMs, jobsInFlight, priority };
}

export async function transcribe(paths: string[], opts: TranscribeOptions, env: Env): Promise<number> {
  const progress = createProgress();
  // KAFKA_BROKERS from the environment, a config file or --brokers.
  const embedded = !mergedEnv(env).KAFKA_BROKERS;
  const runEnv = runEnvOf(opts, env);
  // Everything the user typed is checked before anything is started or read.
  const parsed = parseOptions(opts, runEnv);
  const config = loadConfig(connectionSpec, runEnv);
  const { inputs, problems } = await expandInputs(paths);
  for (const p of problems) progress.log(`skipped ${p.path}: ${p.message}`);
  if (inputs.length === 0) {
    progress.log("nothing to transcribe");
    return EXIT.usage;
  }
  await mkdir(parsed.outDir, { recursive: true });
  if (embedded) {
    progress.log("no KAFKA_BROKERS set: using the local stack (lingostream stack up) and in-process workers");
    await ensureLocalStack();
  }
  const logger = commandLogger(config);
  const ctx = createServiceContext(config, logger, { role: "transcribe" });
  const shutdown = new Shutdown(logger).listen();
  const run = new TranscribeRun(ctx, parsed, opts, progress, shutdown.signal);
  // A path that vanished or holds no media is reported in the summary; the others go on.
  for (const p of problems) run.skipped(p.path, p.message);
  try {
    await assertBrokersReachable(config, logger);
    // On the local stack topics are ours to create; a cluster's belong to its operators.
    if (embedded) await applyConfiguredTopics(runEnv);
    await ctx.store.ensureBucket();
    // Every service answers before anything is said about the files: an unreachable registry is the only line, not the last.
    await ctx.serde.register("jobs");
    if (embedded) {
      const services = await startServices(ctx, ROLES, runEnv);
      shutdown.add("workers", () => stopServices(services));
      // An in-process worker that ends by itself would leave the jobs waiting forever.
      for (const service of services) void service.done.then(() => run.workerEnded(service.name));
    }
    await run.execute(inputs, embedded);
  } catch (err) {
    if (!shutdown.signal.aborted) throw err;
  } finally {
    // Closing aborts the signal too: whether the user interrupted is read before.
    run.interrupted = shutdown.signal.aborted;
    if (run.interrupted) {
      // The in-process workers drain first, finishing the segments in flight;
      // a job they complete meanwhile is written too rather than left to the rerun.
      await shutdown.close();
      await run.deliverEnded().catch(() => {});
    }
    progress.stop();
    await run.close();
    await shutdown.close();
    ctx.store.close();
  }
  return run.finish();
}

class TranscribeRun {
  private readonly ctx: ServiceContext;
  private readonly opts: ParsedOptions;
  private readonly raw: TranscribeOptions;
  private readonly progress: Progress;
  private readonly signal: AbortSignal;
  private readonly summaries: FileSummary[] = [];
  private watcher: JobWatcher | undefined;
  private producer: Producer | undefined;
  private endedWorker: string | undefined;
  private failure: string | undefined;
  /** Set when the run stopped for SIGINT or SIGTERM. */
  interrupted = false;

  constructor(ctx: ServiceContext, opts: ParsedOptions, raw: TranscribeOptions, progress: Progress, signal: AbortSignal) {
    this.ctx = ctx;
    this.opts = opts;
    this.raw = raw;
    this.progress = progress;
    this.signal = signal;
  }

  skipped(path: string, message: string): void {
    this.summaries.push({ path, name: "", status: "skipped", outputs: [], failedSegments: 0, message });
  }

  workerEnded(name: string): void {
    this.endedWorker ??= name;
  }

  async execute(inputs: MediaInputRef[], embedded: boolean): Promise<void> {
    const jobs = await this.identify(inputs);
    const watcher = new JobWatcher(this.ctx, { runJobIds: new Set(jobs.keys()) });
    this.watcher = watcher;
    // Mark first, then read the history up to now: an event in between is seen by both, and applying it twice changes nothing.
    const admin = this.ctx.kafka.admin();
    await admin.connect();
    try {
      await watcher.mark(admin);
    } finally {
      await admin.disconnect();
    }
    const history = new JobHistory(jobs.keys());
    await scanEvents(this.ctx, [this.ctx.topics.jobs], ({ value }) => history.offer(value));

    const queue: RunJob[] = [];
    const retry = new Map<string, RunJob>();
    for (const job of jobs.values()) {
      const prior = history.state(job.jobId);
      if (this.raw.force) {
        if (prior.status !== "new") job.jobId = `${job.jobId}-f${Date.now().toString(36)}`;
        queue.push(job);
      } else if (prior.status === "completed") {
        if (this.raw.retryFailed && prior.completed.failedCount > 0) retry.set(job.jobId, job);
        else await this.deliver({ ...job, how: "done-before" }, prior.completed, undefined);
      } else if (prior.status === "in-flight") {
        job.how = "attached";
        watcher.watch(job.jobId, { segmentCount: prior.segmentCount });
        this.attach(job);
      } else {
        queue.push(job);
      }
    }
    if (retry.size > 0) await this.retryFailed(retry, history);

    this.progress.log(
      `${inputs.length} files, ${jobs.size} jobs: ${this.summaries.filter((s) => s.how === "done-before").length} files done before, ${this.attached.size} under way, ${queue.length} to submit, ${retry.size} to retry`,
    );
    const render = () => {
      const t = watcher.totals();
      this.progress.update(t.done, t.total, `${this.summaries.filter((s) => s.status !== "pending").length}/${inputs.length} files done`);
    };
    await watcher.start(render);
    this.producer = this.ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    await this.loop(queue, embedded, render);
  }

  /** Hashes every input (a few at a time) and groups inputs of the same content into one job. */
  private async identify(inputs: MediaInputRef[]): Promise<Map<string, RunJob>> {
    const names = outputNames(inputs);
    const digests = await mapLimit(inputs, HASH_CONCURRENCY, (input) =>
      contentDigest(input, this.ctx.store, this.signal).then(
        (digest) => ({ digest }),
        (err: unknown) => ({ failure: describeReadError(err) }),
      ),
    );
    if (this.signal.aborted) throw new Error("interrupted");
    // Summaries in the order the files were given.
    const jobs = new Map<string, RunJob>();
    inputs.forEach((input, i) => {
      const summary: FileSummary = { path: input.source, name: names[i] as string, status: "pending", outputs: [], failedSegments: 0 };
      this.summaries.push(summary);
      const hashed = digests[i] as { digest: string } | { failure: string };
      if ("failure" in hashed) {
        summary.status = "skipped";
        summary.message = hashed.failure;
        this.progress.log(`skipped ${input.source}: ${summary.message}`);
        return;
      }
      const jobId = jobIdFor(hashed.digest, this.opts);
      summary.jobId = jobId;
      const job = jobs.get(jobId) ?? { jobId, files: [], how: "submitted" as const };
      job.files.push({ input, name: summary.name, summary });
      jobs.set(jobId, job);
    });
    return jobs;
  }

  private readonly attached = new Map<string, RunJob>();

  private attach(job: RunJob): void {
    this.attached.set(job.jobId, job);
    for (const f of job.files) f.summary.how = job.how;
  }

  /** Writes the jobs that ended and were not written yet; after an interrupt, once the workers have drained. */
  async deliverEnded(settleMs = 1000): Promise<void> {
    const watcher = this.watcher;
    if (!watcher) return;
    // The last JobCompleted of the drain may still be on its way to the watcher.
    await sleep(settleMs);
    for (const [jobId, job] of this.attached) {
      const state = watcher.jobs.get(jobId);
      if (!state || !isEnded(state)) continue;
      this.attached.delete(jobId);
      await this.deliver(job, state.completed ?? job.priorCompleted, state);
      watcher.forget(jobId);
    }
  }

  private async loop(queue: RunJob[], embedded: boolean, render: () => void): Promise<void> {
    const watcher = this.watcher as JobWatcher;
    const deadline = this.opts.timeoutMs ? Date.now() + this.opts.timeoutMs : Number.POSITIVE_INFINITY;
    let queued = 0;
    while (queued < queue.length || this.attached.size > 0) {
      if (this.signal.aborted) return;
      if (this.endedWorker !== undefined) {
        this.failure = `the in-process ${this.endedWorker} worker stopped unexpectedly (see the log above); run the same command again to resume`;
        return;
      }
      if (Date.now() > deadline) {
        this.failure = `timed out after ${this.opts.timeoutMs! / 1000}s; run the same command again to resume`;
        return;
      }
      await this.deliverEnded(0);
      // Backpressure on submission: at most jobsInFlight jobs are in Kafka at once.
      while (queued < queue.length && this.attached.size < this.opts.jobsInFlight && !this.signal.aborted) {
        const job = queue[queued++] as RunJob;
        if (watcher.requestedSinceMark(job.jobId)) {
          job.how = "attached"; // another run submitted it meanwhile
        } else {
          // Its events may have expired from asr.jobs while its transcript is still in the store.
          const stored = this.raw.force ? undefined : await storedCompletion(this.ctx.store, this.opts.tenant, job.jobId);
          if (stored) {
            await this.deliver({ ...job, how: "done-before" }, stored, undefined);
            continue;
          }
          await this.submit(job, embedded);
        }
        watcher.watch(job.jobId);
        this.attach(job);
      }
      render();
      await sleep(250);
    }
  }

  private async submit(job: RunJob, embedded: boolean): Promise<void> {
    const { input } = job.files[0] as RunJob["files"][number];
    // Remote workers cannot read this machine's files, and no worker can open a
    // path that is not UTF-8 (see MediaInputRef.rawPath): such media goes to S3 first.
    const local = embedded && !input.rawPath;
    const source = local || input.source.startsWith("s3://") ? input.source : await this.uploadMedia(job.jobId, input);
    await appendJobEvent(this.ctx, this.producer as Producer, "JobRequested", {
      tenant: this.opts.tenant,
      jobId: job.jobId,
      source,
      sourceName: input.name,
      language: this.opts.language,
      engine: this.opts.engine,
      producerId: this.ctx.instanceId,
      eventTime: Date.now(),
      priority: this.opts.priority,
    });
  }

  private async uploadMedia(jobId: string, input: MediaInputRef): Promise<string> {
    const key = `media/${this.opts.tenant}/${jobId}/${slugify(input.name, 100)}`;
    // Multipart upload streams the file in parts: memory does not grow with its size.
    await new Upload({ client: this.ctx.store.client, params: { Bucket: this.ctx.store.bucket, Key: key, Body: createReadStream(input.rawPath ?? input.source) }, queueSize: 2 }).done();
    return `s3://${this.ctx.store.bucket}/${key}`;
  }

  /** Replays the dead letters of completed jobs with failed segments; the repaired transcripts are awaited like any job. */
  private async retryFailed(retry: Map<string, RunJob>, history: JobHistory): Promise<void> {
    const watcher = this.watcher as JobWatcher;
    const summary = await replay(this.ctx, { jobIds: new Set(retry.keys()) });
    const replayed = new Map(summary.jobs.map((j) => [j.jobId, j.segmentIds]));
    for (const job of retry.values()) {
      const segmentIds = replayed.get(job.jobId);
      const prior = history.state(job.jobId);
      if (!segmentIds || segmentIds.length === 0) {
        // Nothing left to replay (dead letters expired): the transcript stands as it is.
        if (prior.status === "completed") await this.deliver({ ...job, how: "done-before" }, prior.completed, undefined);
        continue;
      }
      job.how = "retried";
      if (prior.status === "completed") job.priorCompleted = prior.completed;
      const state = watcher.watch(job.jobId, prior.status === "completed" ? { segmentCount: prior.completed.segmentCount, doneBefore: prior.completed.segmentCount - segmentIds.length } : {});
      state.retrying = new Set(segmentIds);
      this.attach(job);
    }
    this.progress.log(`replayed ${summary.replayed} failed segments of ${replayed.size} jobs`);
  }

  /** Writes an ended job's transcripts for every file of its content and records the outcome. */
  private async deliver(job: RunJob, completed: JobCompleted | undefined, state: WatchedJob | undefined): Promise<void> {
    for (const file of job.files) {
      const s = file.summary;
      s.how = job.how;
      s.jobId = job.jobId;
      if (!completed) {
        s.status = "failed";
        s.message = state?.failure?.message ?? "the job ended without a transcript";
        this.progress.log(`FAILED ${file.input.name}: ${s.message} (job ${job.jobId})`);
        continue;
      }
      const { failedCount } = completed;
      s.failedSegments = failedCount;
      s.status = failedCount > 0 ? "partial" : "completed";
      s.outputs = outputPaths(this.opts.outDir, file.name);
      if (job.how === "done-before" && (await outputsCurrent(this.opts.outDir, file.name, completed.eventTime))) continue;
      s.outputs = await writeOutputs(this.ctx.store, completed.transcriptKeys, this.opts.outDir, file.name);
      if (failedCount > 0) {
        this.progress.log(`PARTIAL ${file.input.name}: ${failedCount} of ${completed.segmentCount} segments failed (job ${job.jobId}); run the same command with --retry-failed to replay them`);
        for (const f of [...(state?.failed.values() ?? [])].slice(0, 10)) this.progress.log(`  segment ${f.segmentId}: ${f.errorClass}: ${f.message}`);
      } else {
        this.progress.log(`done ${file.input.name} → ${file.name}.{json,srt,vtt} (${completed.segmentCount} segments${job.how === "submitted" ? "" : `, ${job.how}`})`);
      }
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => {});
    await this.watcher?.stop();
  }

  /** Prints the end of the run and returns the exit code. */
  finish(): number {
    const pending = this.summaries.filter((s) => s.status === "pending");
    const count = (status: FileStatus) => this.summaries.filter((s) => s.status === status).length;
    const { interrupted } = this;
    if (this.raw.json) {
      const out = {
        interrupted,
        outDir: this.opts.outDir,
        files: this.summaries,
        totals: { files: this.summaries.length, completed: count("completed"), partial: count("partial"), failed: count("failed"), skipped: count("skipped"), pending: pending.length },
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    }
    if (interrupted) {
      this.progress.log(
        `interrupted: ${count("completed") + count("partial")} files written to ${this.opts.outDir}; ${pending.length} not finished, their segments in flight were handed back. Run the same command again to resume.`,
      );
      return EXIT.interrupted;
    }
    if (this.failure) {
      this.progress.log(`lingostream: ${this.failure}`);
      return EXIT.failed;
    }
    const complete = count("completed");
    this.progress.log(`${complete}/${this.summaries.length} files transcribed completely`);
    return complete === this.summaries.length ? EXIT.ok : EXIT.failed;
  }
}

function describeReadError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no longer exists";
  if (code === "EACCES") return "not readable (permission denied)";
  if (code === "EISDIR") return "is a folder";
  return (err as Error).message;
}
