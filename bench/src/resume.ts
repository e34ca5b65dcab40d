// resume: Ctrl-C in the middle of a backlog, then the same command again. The
// rerun should cost only the work that was left (wall time against an
// uninterrupted run of the same backlog), and no segment should be transcribed
// twice except those in flight at the interrupt (at most one per ASR slot).
// A benchmark of its own rather than a phase of backlog: it can be run alone
// while resuming is worked on, and its failure does not cost backlog's figures.

import { availableParallelism } from "node:os";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { audioLabel } from "./backlog-figures.ts";
import { ensureBacklogPool, linkFiles } from "./fixtures/backlog-media.ts";
import { countRepeats, scanSegmentEvents, topicEventCount, type Repeats } from "./fixtures/results-scan.ts";
import { createIsolatedRun, type IsolatedRun } from "./isolated-run.ts";
import { loadAverage } from "./machine.ts";
import { ratio, type BenchContext, type Benchmark, type BenchmarkOutcome, type Row } from "./report.ts";
import { findStackProcesses } from "./stack-processes.ts";
import { runTranscribeChild, transcribeHasJson, type ChildRun } from "./transcribe-child.ts";

export interface ResumeOptions {
  /** Files in the backlog, each its own job. */
  files: number;
  /** The clip every file is made from: LONG_TEXT spoken this many times (about 151 s each). */
  clipRepeats: number;
  /** Simulated cost of the deterministic engine per second of audio, ms: makes the run long enough to stop midway. */
  delayMs: number;
  /** Share of the segments transcribed when SIGINT is sent. */
  interruptAt: number;
}

export const RESUME_FULL: ResumeOptions = { files: 24, clipRepeats: 3, delayMs: 20, interruptAt: 0.5 };
export const RESUME_QUICK: ResumeOptions = { files: 20, clipRepeats: 1, delayMs: 20, interruptAt: 0.5 };

const RERUN_GOAL = 0.55;
const INTERRUPT_EXIT_CODE = 130;

export const resumeBenchmark: Benchmark = {
  name: "resume",
  title: "Ctrl-C halfway through a backlog, then the same `transcribe` again: rerun cost and segments transcribed twice",
  run: (ctx) => runResume(ctx, ctx.quick ? RESUME_QUICK : RESUME_FULL),
};

interface Attempt {
  child: ChildRun;
  transcripts: number;
  load: number[];
}

export async function runResume(ctx: BenchContext, options: ResumeOptions): Promise<BenchmarkOutcome> {
  const pool = await ensureBacklogPool(ctx.cacheDir, options.clipRepeats, options.files, ctx.log);
  const audioSeconds = pool.files.reduce((sum, f) => sum + f.seconds, 0);
  const slots = availableParallelism();
  const env = {
    LINGOSTREAM_ASR_ENGINE: "deterministic",
    LINGOSTREAM_ASR_DETERMINISTIC_DELAY_MS: String(options.delayMs),
    LINGOSTREAM_ASR_MAX_IN_FLIGHT: String(slots),
  };
  const work = await mkdtemp(join(ctx.cacheDir, "resume-"));
  const input = join(work, "in");
  await linkFiles(pool.files, input);
  const attempt = async (run: IsolatedRun, out: string, interruptWhen?: () => Promise<boolean>): Promise<Attempt> => {
    const before = loadAverage()[0] ?? 0;
    const child = await runTranscribeChild({
      run,
      folder: input,
      out,
      stack: await findStackProcesses(),
      log: ctx.log,
      interruptWhen,
      timeoutMs: (120 + audioSeconds / 5) * 1000,
    });
    const transcripts = (await readdir(out).catch(() => [] as string[])).filter((f) => f.endsWith(".json")).length;
    return { child, transcripts, load: [before, loadAverage()[0] ?? 0] };
  };

  try {
    ctx.log(`${options.files} files, ${audioLabel(audioSeconds)} of audio, ${slots} ASR slots, deterministic engine at ${options.delayMs} ms per audio second`);
    // The reference: the same backlog, uninterrupted, on topics and a tenant of its own.
    const fresh = createIsolatedRun("resume-full", env);
    let full: Attempt;
    let total: number;
    try {
      full = await attempt(fresh, join(work, "out-full"));
      if (full.child.exitCode !== 0) throw new Error(`the uninterrupted run exited ${full.child.exitCode ?? full.child.signal}: ${full.child.stderrTail.slice(-5).join(" | ")}`);
      total = (await scanSegmentEvents(fresh.ctx)).perSegment.size;
      ctx.log(`uninterrupted: ${full.child.wallSeconds.toFixed(1)} s, ${total} segments`);
    } finally {
      await fresh.cleanup();
    }

    const run = createIsolatedRun("resume", env);
    const admin = run.ctx.kafka.admin();
    try {
      await admin.connect();
      let atInterrupt = 0;
      const out = join(work, "out");
      const interrupted = await attempt(run, out, async () => {
        const produced = await topicEventCount(admin, run.ctx.topics.results);
        if (produced >= total * options.interruptAt) atInterrupt = produced;
        return produced >= total * options.interruptAt;
      });
      const afterInterrupt = await topicEventCount(admin, run.ctx.topics.results).catch(() => Number.NaN);
      ctx.log(
        `interrupted at ${interrupted.child.interruptedAtSeconds?.toFixed(1) ?? "never"} s with ${atInterrupt}/${total} results; exit ${interrupted.child.exitCode ?? interrupted.child.signal} after ${interrupted.child.wallSeconds.toFixed(1)} s; ${afterInterrupt} results by then`,
      );
      const rerun = await attempt(run, out);
      const repeats = countRepeats((await scanSegmentEvents(run.ctx)).perSegment);
      // A segment read again after its job completed may find its audio deleted: a dead letter, not a repeat.
      const deadLetters = countRepeats((await scanSegmentEvents(run.ctx, run.ctx.topics.segmentsFailed)).perSegment);
      ctx.log(
        `rerun: exit ${rerun.child.exitCode ?? rerun.child.signal}, ${rerun.child.wallSeconds.toFixed(1)} s; ${repeats.distinct}/${total} segments, ${repeats.repeated} transcribed more than once, ${deadLetters.distinct} dead-lettered`,
      );
      return summarize(options, { audioSeconds, slots, total, full, interrupted, rerun, atInterrupt, afterInterrupt, repeats, deadLetters, json: await transcribeHasJson() });
    } finally {
      await admin.disconnect().catch(() => {});
      await run.cleanup();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

interface Measured {
  audioSeconds: number;
  slots: number;
  total: number;
  full: Attempt;
  interrupted: Attempt;
  rerun: Attempt;
  atInterrupt: number;
  afterInterrupt: number;
  repeats: Repeats;
  /** Dead letters (SegmentFailed) across the interrupted run and the rerun. */
  deadLetters: Repeats;
  /** The runs had --json. */
  json: boolean;
}

function summarize(options: ResumeOptions, m: Measured): BenchmarkOutcome {
  const r = ratio(m.rerun.child.wallSeconds, m.full.child.wallSeconds);
  const stopSeconds = m.interrupted.child.interruptedAtSeconds === undefined ? Number.NaN : m.interrupted.child.wallSeconds - m.interrupted.child.interruptedAtSeconds;
  const rows: Row[] = [
    {
      what: `rerun after Ctrl-C at ${Math.round(options.interruptAt * 100)}% of the segments vs an uninterrupted run, \`transcribe\` wall time`,
      baseline: { label: "uninterrupted", value: m.full.child.wallSeconds, unit: "s" },
      subject: { label: "rerun", value: m.rerun.child.wallSeconds, unit: "s" },
      ratio: r,
      goal: `≤ ${RERUN_GOAL}`,
      met: r <= RERUN_GOAL,
    },
    {
      what: `segments transcribed more than once across the interrupted run and the rerun (${m.repeats.extra} extra results)`,
      subject: { label: "segments", value: m.repeats.repeated, unit: "segments" },
      goal: `≤ ${m.slots} (the ASR slots: only those in flight at the interrupt)`,
      met: m.repeats.repeated <= m.slots,
    },
    {
      what: `segments dead-lettered across the interrupted run and the rerun (${m.deadLetters.distinct} segments)`,
      subject: { label: "dead letters", value: m.deadLetters.distinct + m.deadLetters.extra, unit: "events" },
      goal: "0 (every segment transcribed, none failed)",
      met: m.deadLetters.distinct === 0,
    },
    {
      what: "exit code of the interrupted run",
      subject: { label: "exit code", value: m.interrupted.child.exitCode ?? Number.NaN, unit: "" },
      goal: `${INTERRUPT_EXIT_CODE}`,
      met: m.interrupted.child.exitCode === INTERRUPT_EXIT_CODE,
    },
    {
      what: `after the rerun: segments with a result, and transcripts written (${m.rerun.transcripts}/${options.files} files)`,
      baseline: { label: "segments of the backlog", value: m.total, unit: "segments" },
      subject: { label: "with a result", value: m.repeats.distinct, unit: "segments" },
      ratio: ratio(m.repeats.distinct, m.total),
      goal: "every segment and file",
      met: m.repeats.distinct === m.total && m.rerun.transcripts === options.files && m.rerun.child.exitCode === 0,
    },
    {
      what: "SIGINT → the interrupted `transcribe` exited",
      subject: { label: "stop time", value: stopSeconds, unit: "s" },
    },
  ];
  const notes = [
    `Input: ${options.files} files made from one flite clip (LONG_TEXT x${options.clipRepeats}) behind distinct lead-ins of silence, ${audioLabel(m.audioSeconds)} of audio, ${m.total} segments; deterministic engine at ${options.delayMs} ms per second of audio (a stand-in for ASR cost that makes stopping midway possible), LINGOSTREAM_ASR_MAX_IN_FLIGHT=${m.slots}.`,
    `Each run is \`node cli/src/main.ts transcribe <folder> --out <dir> --tenant <tenant>${m.json ? " --json" : ""}\` as a child process in embedded mode. The uninterrupted reference ran on topics and a tenant of its own; the interrupted run and its rerun share theirs, their output folder and the same files, as a user re-running the command would.`,
    `SIGINT was sent when the results topic held ${m.atInterrupt} of ${m.total} results (polled every 250 ms), ${m.interrupted.child.interruptedAtSeconds?.toFixed(1) ?? "n/a"} s into the run; it exited ${m.interrupted.child.exitCode ?? m.interrupted.child.signal} ${Number.isFinite(stopSeconds) ? `${stopSeconds.toFixed(1)} s later` : ""}, and the topic held ${m.afterInterrupt} results by then. Repeats are counted from every SegmentTranscribed on the results topic after the rerun (a bounded scan), per segmentId.`,
    `Wall times: uninterrupted ${m.full.child.wallSeconds.toFixed(1)} s (load ${m.full.load.join(" → ")}), interrupted ${m.interrupted.child.wallSeconds.toFixed(1)} s (load ${m.interrupted.load.join(" → ")}), rerun ${m.rerun.child.wallSeconds.toFixed(1)} s (load ${m.rerun.load.join(" → ")}; exit ${m.rerun.child.exitCode ?? m.rerun.child.signal}).`,
  ];
  for (const [name, a] of [["uninterrupted run", m.full], ["interrupted run", m.interrupted], ["rerun", m.rerun]] as const) {
    if (a.child.errorLines.length > 0) notes.push(`The ${name} logged ${a.child.errorLines.length} error record(s); the first: ${a.child.errorLines[0]!.slice(0, 600)}`);
  }
  const trim = (a: Attempt) => ({ ...a, child: { ...a.child, stderrTail: a.child.stderrTail.slice(-10) } });
  return {
    rows,
    notes,
    details: { options, ...m, full: trim(m.full), interrupted: trim(m.interrupted), rerun: trim(m.rerun) },
  };
}
