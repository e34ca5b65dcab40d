// The ASR processor as a real child process (`lingostream worker asr`), so a
// test can SIGKILL it mid-segment the way a machine or OOM kill would, and
// start a new one like a supervisor. Its log goes to a file, for diagnosis.

import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../../../src/paths.ts";

const MAIN = join(REPO_ROOT, "cli", "src", "main.ts");

export class AsrChild {
  private readonly env: NodeJS.ProcessEnv;
  private readonly logPath: string;
  private readonly log: WriteStream;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private killing = false;
  private closed = false;
  readonly stats = { started: 0, killed: 0, unexpectedExits: 0 };

  constructor(env: NodeJS.ProcessEnv, logPath: string) {
    this.env = env;
    this.logPath = logPath;
    this.log = createWriteStream(logPath, { flags: "a" });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Starts a worker. One that exits on its own (it should not) is counted and
   * replaced at once, as a supervisor would, so the run can still finish and
   * the count tells the story.
   */
  start(): void {
    if (this.closed) return;
    const child = spawn(process.execPath, [MAIN, "worker", "asr"], { env: this.env, stdio: ["ignore", "pipe", "pipe"] });
    this.stats.started++;
    this.log.write(`\n===== worker ${this.stats.started} pid ${child.pid} started ${new Date().toISOString()} =====\n`);
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.log.write(`===== pid ${child.pid} exited code=${code} signal=${signal} =====\n`);
        if (this.child === child) this.child = undefined;
        if (!this.killing && !this.closed) {
          this.stats.unexpectedExits++;
          this.start();
        }
        resolve();
      });
    });
  }

  /** SIGKILL: no drain, no commit, no goodbye to the group. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.killing = true;
    try {
      const exited = this.exited;
      child.kill("SIGKILL");
      this.stats.killed++;
      await exited;
    } finally {
      this.killing = false;
    }
  }

  /** SIGTERM and wait: the worker drains its in-flight segments. */
  async stop(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (child) {
      const exited = this.exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  /** The last lines of every worker's log, for a failure message. */
  async tail(lines = 40): Promise<string> {
    const text = await readFile(this.logPath, "utf8").catch(() => "");
    return text.split("\n").slice(-lines).join("\n");
  }
}
