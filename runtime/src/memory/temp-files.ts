// A per-process temp area for audio spilled to disk: os.tmpdir()/lingostream-<role>/<pid>-XXXXXX.
// Files are owned by handles; the pid in the name lets the next start sweep away
// what a crashed process left behind.

import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HandleRegistry } from "./audio-handles.ts";

/** The file-system calls the temp area makes; injected in tests. */
export interface TempFs {
  mkdir(path: string): Promise<void>;
  mkdtemp(prefix: string): Promise<string>;
  readdir(path: string): Promise<string[]>;
  rm(path: string): Promise<void>;
}

export const nodeTempFs: TempFs = {
  mkdir: async (path) => {
    await mkdir(path, { recursive: true, mode: 0o700 });
  },
  mkdtemp: (prefix) => mkdtemp(prefix),
  readdir: (path) => readdir(path),
  rm: (path) => rm(path, { recursive: true, force: true }),
};

/** True unless the pid certainly does not exist; EPERM means alive but someone else's. */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** Names of process directories ("<pid>-XXXXXX") whose process is gone. */
export function staleDirNames(names: readonly string[], selfPid: number, isAlive: (pid: number) => boolean): string[] {
  return names.filter((name) => {
    const m = /^(\d+)-/.exec(name);
    if (!m) return false;
    const pid = Number(m[1]);
    return pid !== selfPid && !isAlive(pid);
  });
}

export interface TempAreaOptions {
  /** Names the shared base directory: lingostream-<role>. */
  role: string;
  registry: HandleRegistry;
  /** Default os.tmpdir(). */
  root?: string;
  pid?: number;
  fs?: TempFs;
  isAlive?: (pid: number) => boolean;
  /** Remove directories of dead processes while creating (default true). */
  sweep?: boolean;
}

export class TempArea implements AsyncDisposable {
  /** lingostream-<role>, shared by every process of the role. */
  readonly base: string;
  /** This process's own directory. */
  readonly dir: string;
  private readonly registry: HandleRegistry;
  private readonly fs: TempFs;
  private readonly pid: number;
  private readonly isAlive: (pid: number) => boolean;
  private counter = 0;

  private constructor(base: string, dir: string, options: TempAreaOptions) {
    this.base = base;
    this.dir = dir;
    this.registry = options.registry;
    this.fs = options.fs ?? nodeTempFs;
    this.pid = options.pid ?? process.pid;
    this.isAlive = options.isAlive ?? isPidAlive;
  }

  static async create(options: TempAreaOptions): Promise<TempArea> {
    if (!/^[a-z0-9][a-z0-9-]{0,63}$/i.test(options.role)) throw new RangeError(`role ${JSON.stringify(options.role)} is not a safe directory name`);
    const fs = options.fs ?? nodeTempFs;
    const pid = options.pid ?? process.pid;
    const base = join(options.root ?? tmpdir(), `lingostream-${options.role}`);
    await fs.mkdir(base);
    const dir = await fs.mkdtemp(join(base, `${pid}-`));
    const area = new TempArea(base, dir, options);
    if (options.sweep ?? true) await area.sweepStale();
    return area;
  }

  /** Removes directories left by processes that are no longer running; returns their paths. */
  async sweepStale(): Promise<string[]> {
    const names = await this.fs.readdir(this.base).catch(() => [] as string[]);
    const stale = staleDirNames(names, this.pid, this.isAlive).map((name) => join(this.base, name));
    await Promise.all(stale.map((path) => this.fs.rm(path)));
    return stale;
  }

  /** A fresh path in this process's directory, owned by the returned handle; nothing is created until the caller writes. */
  file(options: { suffix?: string; label?: string } = {}): TempFileHandle {
    const suffix = options.suffix ?? "";
    if (!/^[A-Za-z0-9._-]{0,16}$/.test(suffix)) throw new RangeError(`suffix ${JSON.stringify(suffix)} is not safe in a file name`);
    const name = `${++this.counter}-${randomBytes(4).toString("hex")}${suffix}`;
    return new TempFileHandle(this.registry, this.fs, join(this.dir, name), options.label ?? name);
  }

  /** Removes this process's directory and everything in it. */
  async dispose(): Promise<void> {
    await this.fs.rm(this.dir);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/** Owns one temp file path: release deletes the file if it was created. */
export class TempFileHandle implements AsyncDisposable {
  readonly path: string;
  readonly label: string;
  private readonly registry: HandleRegistry;
  private readonly fs: TempFs;
  private readonly token: object;
  private releasing: Promise<void> | undefined;

  constructor(registry: HandleRegistry, fs: TempFs, path: string, label: string) {
    this.registry = registry;
    this.fs = fs;
    this.path = path;
    this.label = label;
    this.token = registry.track(this, "temp-file", 0, label);
  }

  get released(): boolean {
    return this.releasing !== undefined;
  }

  /** Idempotent; the file is forgotten by the registry even if removing it fails. */
  release(): Promise<void> {
    this.releasing ??= (async () => {
      this.registry.untrack(this.token, "temp-file", 0);
      await this.fs.rm(this.path);
    })();
    return this.releasing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
}
