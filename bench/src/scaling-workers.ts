// `lingostream worker asr` processes on one consumer group, started as a user
// starts them (the CLI, one OS process each), stopped the way an operator
// does (SIGTERM: drain), and killed with everything they started if they do
// not go. Each runs in a process group of its own, so Ctrl-C at the terminal
// reaches the benchmark alone, which stops them itself.

import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import type { Admin } from "kafkajs";
import { readProcCpuSeconds } from "./proc-cpu.ts";
import { descendants } from "./proc-memory.ts";
import { CLI_MAIN } from "./transcribe-child.ts";

export interface AsrWorker {
  /** 1, 2, ... in start order. */
  id: number;
  pid: number;
  startedMs: number;
  /** Set once it has exited, epoch ms. */
  exitedMs?: number;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** Its last stderr lines (its log, at LOG_LEVEL). */
  tail: string[];
}

/** How long a SIGTERM drain may take before the worker and its children are killed. */
const DRAIN_TIMEOUT_MS = 60_000;

/** Every fleet's live process groups, so a second Ctrl-C can kill them all at once. */
const live = new Set<number>();

/** SIGKILL to every worker's process group still running: for a second signal, with no time to drain. */
export function killAllWorkersNow(): void {
  for (const pid of live) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {}
  }
  live.clear();
}

/** Polls `check` every `everyMs` until it returns true; rejects on timeout or abort. */
export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs: number, signal: AbortSignal, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    signal.throwIfAborted();
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs, undefined, { signal });
  }
}

export class AsrWorkerFleet {
  readonly workers: AsrWorker[] = [];
  readonly #children = new Map<number, ChildProcess>();
  readonly #exited = new Map<number, Promise<void>>();
  readonly #env: NodeJS.ProcessEnv;
  readonly #signal: AbortSignal;
  /** Workers stopped on purpose: their exit is not a failure. */
  readonly #stopping = new Set<number>();

  constructor(env: NodeJS.ProcessEnv, signal: AbortSignal) {
    this.#env = env;
    this.#signal = signal;
  }

  get running(): AsrWorker[] {
    return this.workers.filter((w) => w.exitedMs === undefined);
  }

  start(count: number): AsrWorker[] {
    return Array.from({ length: count }, () => this.#startOne());
  }

  #startOne(): AsrWorker {
    // The benchmark's own Node flags (the source export condition, when not in NODE_OPTIONS) so the CLI resolves the same code.
    const child = spawn(process.execPath, [...process.execArgv, CLI_MAIN, "worker", "asr"], { env: this.#env, detached: true, stdio: ["ignore", "ignore", "pipe"] });
    if (child.pid === undefined) throw new Error("could not start `lingostream worker asr`");
    const worker: AsrWorker = { id: this.workers.length + 1, pid: child.pid, startedMs: Date.now(), tail: [] };
    this.workers.push(worker);
    this.#children.set(worker.id, child);
    live.add(child.pid);
    let partial = "";
    child.stderr?.on("data", (d: Buffer) => {
      const lines = (partial + d.toString()).split("\n");
      partial = lines.pop() ?? "";
      worker.tail.push(...lines.map((l) => (l.length > 600 ? `${l.slice(0, 600)}…` : l)));
      worker.tail.splice(0, Math.max(0, worker.tail.length - 20));
    });
    this.#exited.set(
      worker.id,
      new Promise<void>((resolve) => {
        child.once("exit", (code, signal) => {
          worker.exitedMs = Date.now();
          worker.exit = { code, signal };
          live.delete(worker.pid);
          resolve();
        });
      }),
    );
    return worker;
  }

  /** Throws with its last lines if a worker ended without being asked to: a wait for results would only time out. */
  assertAlive(): void {
    const dead = this.workers.find((w) => w.exitedMs !== undefined && !this.#stopping.has(w.id));
    if (dead) throw new Error(`worker ${dead.id} (pid ${dead.pid}) exited by itself (${dead.exit?.code ?? dead.exit?.signal}); its last lines: ${dead.tail.slice(-5).join(" | ")}`);
  }

  /** Waits until the group is Stable with exactly `members` members (every running worker has joined and been given its share). */
  async waitForGroup(admin: Admin, groupId: string, members: number, timeoutMs: number): Promise<void> {
    await until(
      async () => {
        this.assertAlive();
        const group = (await admin.describeGroups([groupId])).groups[0];
        return group?.state === "Stable" && group.members.length === members;
      },
      `consumer group ${groupId} to be stable with ${members} members`,
      timeoutMs,
      this.#signal,
    );
  }

  /** CPU seconds (user + system) of each running worker and, summed, of its descendants (an engine's decoders). */
  async cpuSeconds(): Promise<Map<number, { worker: number; children: number }>> {
    const out = new Map<number, { worker: number; children: number }>();
    for (const w of this.running) {
      const children = await Promise.all((await descendants(w.pid)).map(readProcCpuSeconds));
      out.set(w.id, { worker: (await readProcCpuSeconds(w.pid)) ?? Number.NaN, children: children.reduce<number>((sum, s) => sum + (s ?? 0), 0) });
    }
    return out;
  }

  /** SIGTERM (the drain), then the whole process group killed if it has not exited within the drain timeout. Resolves once it has exited. */
  async stop(worker: AsrWorker): Promise<void> {
    this.#stopping.add(worker.id);
    const exited = this.#exited.get(worker.id);
    if (worker.exitedMs !== undefined || !exited) return;
    try {
      process.kill(worker.pid, "SIGTERM");
    } catch {}
    const timer = setTimeout(() => {
      try {
        process.kill(-worker.pid, "SIGKILL");
      } catch {}
    }, DRAIN_TIMEOUT_MS);
    await exited.finally(() => clearTimeout(timer));
    // Its children are in its process group: none may outlive it (a decoder orphaned by a kill).
    try {
      process.kill(-worker.pid, "SIGKILL");
    } catch {}
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.workers.map((w) => this.stop(w)));
  }
}
