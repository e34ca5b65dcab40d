// `lingostream transcribe <path...> --out <dir>`: the main job. Without
// KAFKA_BROKERS it uses the local stack (started if needed) and runs the
// workers in this process; with a cluster configured it only submits and waits.

import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { Upload } from "@aws-sdk/lib-storage";
import { createReadStream } from "node:fs";
import {
  Shutdown,
  appendJobEvent,
  assertBrokersReachable,
  connectionSpec,
  createLogger,
  createServiceContext,
  loadConfig,
  slugify,
  assertValidId,
  type ServiceContext,
} from "@lingostream/runtime";
import { expandInputs, outputNames, type MediaInputRef } from "../inputs.ts";
import { createProgress } from "../progress.ts";
import { JobWatcher, type WatchedJob } from "../job-watcher.ts";
import { ROLES, startServices, stopServices } from "../services.ts";
import { ensureLocalStack } from "./stack.ts";
import { applyConfiguredTopics } from "./topics.ts";

interface TranscribeOptions {
  out: string;
  language: string;
  engine?: string;
  tenant?: string;
  timeout?: string;
}

export function registerTranscribeCommand(program: Command): void {
  program
    .command("transcribe")
    .description("transcribe media files, folders or s3:// URIs into <out>/<name>.json, .srt and .vtt")
    .argument("<paths...>", "media files, folders of media, or s3://bucket/key URIs")
    .requiredOption("-o, --out <dir>", "folder for the transcripts")
    .option("-l, --language <code>", "spoken language", "en")
    .option("-e, --engine <name>", "ASR engine: pocketsphinx, openai, deterministic (default from LINGOSTREAM_ASR_ENGINE)")
    .option("-t, --tenant <tenant>", "tenant recorded on the jobs (default from LINGOSTREAM_TENANT)")
    .option("--timeout <seconds>", "give up waiting after this long (default: no limit)")
    .action(async (paths: string[], opts: TranscribeOptions) => {
      process.exitCode = await transcribe(paths, opts, process.env);
    });
}

export async function transcribe(paths: string[], opts: TranscribeOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const progress = createProgress();
  const embedded = !env.KAFKA_BROKERS;
  const runEnv: NodeJS.ProcessEnv = { ...env };
  if (opts.engine) runEnv.LINGOSTREAM_ASR_ENGINE = opts.engine;
  const config = loadConfig(connectionSpec, runEnv);
  const tenant = assertValidId("tenant", opts.tenant ?? config.tenant);
  const { inputs, problems } = await expandInputs(paths);
  for (const p of problems) progress.log(`skipped ${p}`);
  if (inputs.length === 0) {
    progress.log("nothing to transcribe");
    return 2;
  }
  if (embedded) {
    progress.log("no KAFKA_BROKERS set: using the local stack (lingostream stack up) and in-process workers");
    await ensureLocalStack();
  }
  const logger = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel });
  const ctx = createServiceContext(config, logger, { role: "transcribe" });
  const shutdown = new Shutdown(logger).listen();
  const watcher = new JobWatcher(ctx);
  let workerEnded: string | undefined;
  try {
    await assertBrokersReachable(ctx.kafka, config.kafkaBrokers);
    // On the local stack topics are ours to create; a cluster's belong to its operators.
    if (embedded) await applyConfiguredTopics(runEnv, { quiet: true });
    await ctx.store.ensureBucket();
    if (embedded) {
      const services = await startServices(ctx, ROLES, runEnv);
      shutdown.add("workers", () => stopServices(services));
      // An in-process worker that ends by itself would leave the jobs waiting forever.
      for (const service of services) void service.done.then(() => workerEnded ??= service.name);
    }
    const admin = ctx.kafka.admin();
    await admin.connect();
    try {
      await watcher.mark(admin);
    } finally {
      await admin.disconnect();
    }
    const names = outputNames(inputs);
    const jobs = inputs.map((input, i) => ({ input, name: names[i]!, jobId: newJobId(input) }));
    for (const job of jobs) watcher.watch(job.jobId);
    const render = () => {
      const t = watcher.totals();
      progress.update(t.done, t.total, `${t.ended}/${t.jobs} files done`);
    };
    await watcher.start(render);
    await submit(ctx, jobs, tenant, opts, embedded, runEnv);
    render();
    await waitForJobs(watcher, shutdown.signal, opts.timeout ? Number(opts.timeout) * 1000 : undefined, () => workerEnded);
    progress.stop();
    return await writeOutputs(ctx, watcher, jobs, tenant, resolve(opts.out), progress);
  } finally {
    progress.stop();
    await watcher.stop();
    await shutdown.close();
    ctx.store.close();
  }
}

function newJobId(input: MediaInputRef): string {
  return `${slugify(input.name.replace(/\.[^.]+$/, ""), 40)}-${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

async function submit(
  ctx: ServiceContext,
  jobs: { input: MediaInputRef; jobId: string }[],
  tenant: string,
  opts: TranscribeOptions,
  embedded: boolean,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await ctx.serde.register("jobs");
    for (const job of jobs) {
      // Remote workers cannot read this machine's files, and no worker can open a
      // path that is not UTF-8 (see MediaInputRef.rawPath): such media goes to S3 first.
      const local = embedded && !job.input.rawPath;
      const source = local || job.input.source.startsWith("s3://") ? job.input.source : await uploadMedia(ctx, tenant, job.jobId, job.input);
      await appendJobEvent(ctx, producer, "JobRequested", {
        tenant,
        jobId: job.jobId,
        source,
        sourceName: job.input.name,
        language: opts.language,
        engine: env.LINGOSTREAM_ASR_ENGINE ?? "pocketsphinx",
        producerId: ctx.instanceId,
        eventTime: Date.now(),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

async function uploadMedia(ctx: ServiceContext, tenant: string, jobId: string, input: MediaInputRef): Promise<string> {
  const key = `media/${tenant}/${jobId}/${slugify(input.name, 100)}`;
  // Multipart upload streams the file in parts: memory does not grow with its size.
  await new Upload({ client: ctx.store.client, params: { Bucket: ctx.store.bucket, Key: key, Body: createReadStream(input.rawPath ?? input.source) }, queueSize: 2 }).done();
  return `s3://${ctx.store.bucket}/${key}`;
}

async function waitForJobs(watcher: JobWatcher, signal: AbortSignal, timeoutMs?: number, endedWorker: () => string | undefined = () => undefined): Promise<void> {
  const deadline = timeoutMs ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
  while (!watcher.allEnded()) {
    const ended = endedWorker();
    if (ended !== undefined && !signal.aborted) throw new Error(`the in-process ${ended} worker stopped unexpectedly (see the log above); run again to resume the unfinished jobs`);
    if (signal.aborted) throw new Error("interrupted: in-flight segments were handed back and will be finished by the next run of the workers");
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs! / 1000}s waiting for jobs to complete`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function writeOutputs(
  ctx: ServiceContext,
  watcher: JobWatcher,
  jobs: { input: MediaInputRef; name: string; jobId: string }[],
  tenant: string,
  outDir: string,
  progress: { log(line: string): void },
): Promise<number> {
  await mkdir(outDir, { recursive: true });
  let failures = 0;
  for (const job of jobs) {
    const state = watcher.jobs.get(job.jobId) as WatchedJob;
    if (state.failure) {
      failures++;
      progress.log(`FAILED ${job.input.name}: ${state.failure.message} (job ${job.jobId})`);
      continue;
    }
    const keys = state.completed!.transcriptKeys;
    for (const [ext, key] of [["json", keys.json], ["srt", keys.srt], ["vtt", keys.vtt]] as const) {
      const body = await ctx.store.get(key, 512 * 1024 * 1024);
      await writeFile(join(outDir, `${job.name}.${ext}`), body);
    }
    const failed = [...state.failed.values()];
    if (failed.length > 0) {
      failures++;
      progress.log(`PARTIAL ${job.input.name}: ${failed.length} of ${state.segmentCount} segments failed (dead letters in ${ctx.topics.segmentsFailed}; retry with \`lingostream replay --job ${job.jobId}\`)`);
      for (const f of failed) progress.log(`  segment ${f.segmentId}: ${f.errorClass}: ${f.message}`);
    } else {
      progress.log(`done ${job.input.name} → ${join(outDir, job.name)}.{json,srt,vtt} (${state.segmentCount} segments, job ${job.jobId}, tenant ${tenant})`);
    }
  }
  progress.log(`${jobs.length - failures}/${jobs.length} files transcribed completely`);
  return failures === 0 ? 0 : 1;
}
