// Container memory from the cgroup this process runs in: usage, the tightest
// limit on the way up the hierarchy, and the kernel's event counters. cgroup v2
// first; v1 as a fallback for older hosts and hybrid mounts.

import type { ReadText } from "./read-text.ts";

export interface CgroupMemoryEvents {
  /** Times usage went over memory.high and the group was throttled. */
  high: number;
  /** Times usage hit memory.max and reclaim was forced. */
  max: number;
  oom: number;
  oomKill: number;
}

export interface CgroupMemory {
  version: 1 | 2;
  /** Directory of this process's cgroup. */
  dir: string;
  /** memory.current (v2) or memory.usage_in_bytes (v1); includes page cache. */
  currentBytes: number;
  /** Inactive page cache the kernel drops first; subtracted from current to get the working set. */
  inactiveFileBytes: number;
  /** Smallest limit from this cgroup up to the root of the mount; null when unlimited. */
  maxBytes: number | null;
  /** memory.high, where v2 starts throttling; null when unset or on v1. */
  highBytes: number | null;
  /** memory.events counters (v2 only). */
  events: CgroupMemoryEvents | null;
}

export const CGROUP_ROOT = "/sys/fs/cgroup";
export const PROC_SELF_CGROUP = "/proc/self/cgroup";

/** v1 writes "unlimited" as a page-rounded near-2^63; anything this large means no limit. */
const V1_UNLIMITED = 2 ** 60;

export function parseProcSelfCgroup(text: string): { unifiedPath?: string; v1MemoryPath?: string } {
  const out: { unifiedPath?: string; v1MemoryPath?: string } = {};
  for (const line of text.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m || m[3] === undefined) continue;
    if (m[1] === "0" && m[2] === "") out.unifiedPath = m[3];
    else if ((m[2] ?? "").split(",").includes("memory")) out.v1MemoryPath = m[3];
  }
  return out;
}

/** A limit file's value: bytes, null for no limit, undefined when unparseable. */
export function parseLimit(text: string): number | null | undefined {
  const raw = text.trim();
  if (raw === "max") return null;
  if (!/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= V1_UNLIMITED ? null : n;
}

export function parseMemoryEvents(text: string): CgroupMemoryEvents | undefined {
  const counters = parseKeyValues(text);
  if (counters.size === 0) return undefined;
  return { high: counters.get("high") ?? 0, max: counters.get("max") ?? 0, oom: counters.get("oom") ?? 0, oomKill: counters.get("oom_kill") ?? 0 };
}

/** inactive_file (v2) or total_inactive_file (v1, hierarchical) from memory.stat. */
export function parseInactiveFile(text: string, version: 1 | 2): number | undefined {
  return parseKeyValues(text).get(version === 2 ? "inactive_file" : "total_inactive_file");
}

function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(\w+)\s+(\d+)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(m[1], Number(m[2]));
  }
  return out;
}

interface Location {
  version: 1 | 2;
  dir: string;
  /** The cgroup and its visible ancestors: a parent's limit binds its children too. */
  limitDirs: string[];
}

const FILES = {
  2: { current: "memory.current", max: "memory.max" },
  1: { current: "memory.usage_in_bytes", max: "memory.limit_in_bytes" },
} as const;

/** Finds this process's cgroup once, then reads it on every sample. */
export class CgroupMemoryReader {
  private readonly readText: ReadText;
  private readonly root: string;
  private readonly procSelfCgroup: string;
  private location: Promise<Location | null> | undefined;

  constructor(readText: ReadText, options: { root?: string; procSelfCgroup?: string } = {}) {
    this.readText = readText;
    this.root = (options.root ?? CGROUP_ROOT).replace(/\/+$/, "");
    this.procSelfCgroup = options.procSelfCgroup ?? PROC_SELF_CGROUP;
  }

  async read(): Promise<CgroupMemory | undefined> {
    this.location ??= this.locate();
    const loc = await this.location;
    if (!loc) return undefined;
    const files = FILES[loc.version];
    const [current, stat, high, events, ...limits] = await Promise.all([
      this.readText(`${loc.dir}/${files.current}`),
      this.readText(`${loc.dir}/memory.stat`),
      loc.version === 2 ? this.readText(`${loc.dir}/memory.high`) : undefined,
      loc.version === 2 ? this.readText(`${loc.dir}/memory.events`) : undefined,
      ...loc.limitDirs.map((dir) => this.readText(`${dir}/${files.max}`)),
    ]);
    const currentBytes = current === undefined ? undefined : parseLimit(current);
    if (currentBytes === undefined || currentBytes === null) return undefined;
    let maxBytes: number | null = null;
    for (const text of limits) {
      const limit = text === undefined ? undefined : parseLimit(text);
      if (typeof limit === "number") maxBytes = maxBytes === null ? limit : Math.min(maxBytes, limit);
    }
    const highBytes = high === undefined ? null : (parseLimit(high) ?? null);
    return {
      version: loc.version,
      dir: loc.dir,
      currentBytes,
      inactiveFileBytes: stat === undefined ? 0 : Math.min(parseInactiveFile(stat, loc.version) ?? 0, currentBytes),
      maxBytes,
      highBytes,
      events: events === undefined ? null : (parseMemoryEvents(events) ?? null),
    };
  }

  private async locate(): Promise<Location | null> {
    const self = parseProcSelfCgroup((await this.readText(this.procSelfCgroup)) ?? "");
    const candidates: { version: 1 | 2; mount: string; path: string | undefined }[] = [
      { version: 2, mount: this.root, path: self.unifiedPath },
      { version: 1, mount: `${this.root}/memory`, path: self.v1MemoryPath },
    ];
    for (const { version, mount, path } of candidates) {
      // With a cgroup namespace (most containers) the mount root is our own cgroup, whatever /proc says.
      const dirs = path && path !== "/" ? [`${mount}${path}`, mount] : [mount];
      for (const dir of dirs) {
        if ((await this.readText(`${dir}/${FILES[version].current}`)) !== undefined) {
          return { version, dir, limitDirs: ancestorDirs(dir, mount) };
        }
      }
    }
    return null;
  }
}

/** dir and its parents down to and including mount. */
export function ancestorDirs(dir: string, mount: string): string[] {
  const out = [dir];
  let current = dir;
  while (current.length > mount.length && current.startsWith(`${mount}/`)) {
    current = current.slice(0, current.lastIndexOf("/"));
    out.push(current);
  }
  return out;
}
