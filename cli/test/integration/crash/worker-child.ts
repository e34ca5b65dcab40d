// A `lingostream worker <roles...>` child process under a tiny supervisor: a
// test can SIGKILL it mid-segment the way a machine or an OOM kill would and
// start a new one; one that exits by itself is counted and started again, as
// a supervisor (systemd, Kubernetes) would. Its log goes to a file.

import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../../../src/paths.ts";

const MAIN = join(REPO_ROOT, "cli", "src", "main.ts");
const STOP_TIMEOUT_MS = 30_000;

export class WorkerChild {
  readonly roles: string[];
  private readonly env: NodeJS.ProcessEnv;
  private readonly logPath: string;
  private readonly log: WriteStream;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private killing = false;
  private closed = false;
  readonly stats = { started: 0, killed: 0, unexpectedExits: 0, stopTimeouts: 0 };

  constructor(roles: string[], env: NodeJS.ProcessEnv, logPath: string) {
    this.roles = roles;
    this.env = env;
    this.logPath = logPath;
    this.log = createWriteStream(logPath, { flags: "a" });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.closed) return;
    const child = spawn(process.execPath, [MAIN, "worker", ...this.roles], { env: this.env, stdio: ["ignore", "pipe", "pipe"] });
    this.stats.started++;
    this.log.write(`===== worker ${this.roles.join("+")} #${this.stats.started} pid ${child.pid} started ${new Date().toISOString()} =====\n`);
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.log.write(`===== pid ${child.pid} exited code=${code} signal=${signal} ${new Date().toISOString()} =====\n`);
        if (this.child === child) this.child = undefined;
        if (!this.killing && !this.closed) {
          this.stats.unexpectedExits++;
          setTimeout(() => this.start(), 500);
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

  /** SIGTERM and wait while the worker drains; SIGKILL (counted) if it does not end in time. */
  async stop(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (child) {
      const exited = this.exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        this.stats.stopTimeouts++;
        child.kill("SIGKILL");
      }, STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  /** The last lines of the log, for a failure message. */
  async tail(lines = 30): Promise<string> {
    const text = await readFile(this.logPath, "utf8").catch(() => "");
    return text
      .split("\n")
      .slice(-lines)
      .map((l) => l.slice(0, 400))
      .join("\n");
  }
}
