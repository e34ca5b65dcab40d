// Runs `lingostream transcribe <folder> --out <dir> --json` as a child process,
// as a user would, while sampling its memory, the stack servers' memory and the
// S3 server's data folder; optionally interrupts it (SIGINT, as Ctrl-C does).

import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DiskUsageSampler, type DiskUsageStats } from "./s3-usage.ts";
import type { IsolatedRun } from "./isolated-run.ts";
import { RssSampler, type RssStats, type SampledProcess } from "./rss-sampler.ts";
import { STACK_SERVICES, type StackProcesses } from "./stack-processes.ts";

export const CLI_MAIN = fileURLToPath(new URL("../../cli/src/main.ts", import.meta.url));

export interface ChildRunOptions {
  run: IsolatedRun;
  folder: string;
  out: string;
  stack: StackProcesses;
  log(line: string): void;
  /** Polled every 250 ms while the child runs; the first true sends it SIGINT. */
  interruptWhen?: () => Promise<boolean>;
  /** Count the child's descendants of this name (e.g. "ps-decoder": engine slots in use). */
  countChildren?: string | RegExp;
  timeoutMs: number;
}

export interface ChildRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  wallSeconds: number;
  /** Seconds from the start to the SIGINT, when one was sent. */
  interruptedAtSeconds?: number;
  /** What `--json` printed on stdout, parsed; undefined if it printed no JSON. */
  summary: unknown;
  /** The last lines of its stderr. */
  stderrTail: string[];
  /** Its first log records at level error or fatal (JSON lines with level ≥ 50). */
  errorLines: string[];
  /** "transcribe" and each stack service found running. */
  rss: Record<string, RssStats>;
  /** "S3 data folder" and, per top-level prefix of the run, its folder on disk. */
  disk: Record<string, DiskUsageStats>;
}

let jsonFlag: Promise<boolean> | undefined;

/** Whether this checkout's `transcribe` has --json (asked once, from its help). */
export function transcribeHasJson(): Promise<boolean> {
  jsonFlag ??= new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_MAIN, "transcribe", "--help"], { stdio: ["ignore", "pipe", "ignore"] });
    let text = "";
    child.stdout.on("data", (d: Buffer) => (text += d.toString()));
    child.on("error", () => resolve(false));
    child.on("exit", () => resolve(/--json\b/.test(text)));
  });
  return jsonFlag;
}

/** The JSON document a `--json` run printed: the whole of stdout, or else its last line that parses. */
export function parseSummary(stdout: string): unknown {
  const text = stdout.trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    for (const line of text.split("\n").reverse()) {
      try {
        return JSON.parse(line);
      } catch {}
    }
    return undefined;
  }
}

export async function runTranscribeChild(options: ChildRunOptions): Promise<ChildRun> {
  const { run, stack } = options;
  const args = [CLI_MAIN, "transcribe", options.folder, "--out", options.out, "--tenant", run.tenant];
  if (await transcribeHasJson()) args.push("--json");
  const targets: SampledProcess[] = STACK_SERVICES.flatMap((name) => (stack.pids[name] === undefined ? [] : [{ name, pid: stack.pids[name] }]));
  const dirs: Record<string, string> = {};
  if (stack.s3DataDir) {
    dirs["S3 data folder"] = stack.s3DataDir;
    // Each object is a file under <data>/<bucket>/<key>: the run's own prefixes are folders.
    for (const [kind, prefix] of Object.entries(run.prefixes)) dirs[kind] = join(stack.s3DataDir, run.ctx.store.bucket, prefix);
  }
  const disk = new DiskUsageSampler(dirs);
  const servers = new RssSampler(targets);
  await Promise.all([disk.start(), servers.start()]);

  const started = performance.now();
  const child = spawn(process.execPath, args, { env: run.env, stdio: ["ignore", "pipe", "pipe"] });
  const own = new RssSampler([{ name: "transcribe", pid: child.pid!, withChildren: true, countChildren: options.countChildren }]);
  await own.start();
  let stdout = "";
  const tail: string[] = [];
  const errorLines: string[] = [];
  let partial = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => {
    const lines = (partial + d.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (/^\{"level":(5|6)\d,/.test(line) && errorLines.length < 20) errorLines.push(line);
      options.log(`transcribe: ${line.length > 1000 ? `${line.slice(0, 1000)}…` : line}`);
    }
  });

  let interruptedAtSeconds: number | undefined;
  let polling = false;
  const poller = options.interruptWhen
    ? setInterval(() => {
        if (polling || interruptedAtSeconds !== undefined) return;
        polling = true;
        options.interruptWhen!()
          .then((now) => {
            if (now && interruptedAtSeconds === undefined && child.exitCode === null) {
              interruptedAtSeconds = (performance.now() - started) / 1000;
              child.kill("SIGINT");
            }
          })
          .catch(() => {})
          .finally(() => (polling = false));
      }, 250)
    : undefined;

  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`transcribe did not finish within ${options.timeoutMs / 1000} s; its last lines:\n${tail.join("\n")}`));
    }, options.timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("exit", (c, s) => {
      clearTimeout(timer);
      resolve({ code: c, signal: s });
    });
  }).finally(() => clearInterval(poller));
  const wallSeconds = (performance.now() - started) / 1000;
  if (partial) tail.push(partial);
  const [mine, theirs, du] = await Promise.all([own.stop(), servers.stop(), disk.stop()]);
  return {
    exitCode: code,
    signal,
    wallSeconds,
    interruptedAtSeconds,
    summary: parseSummary(stdout),
    stderrTail: tail,
    errorLines,
    rss: { ...mine, ...theirs },
    disk: du,
  };
}
