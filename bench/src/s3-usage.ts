// What a run leaves in S3: bytes per top-level key prefix as ListObjectsV2
// reports them, and the S3 server's data folder on disk (du), sampled while
// the run goes on and measured again at the end.

import type { Dirent } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { ObjectStore } from "@lingostream/runtime";

/** The top-level prefixes a pipeline run writes: four by tenant, the archive by results topic. */
export const RUN_PREFIX_KINDS = ["segments", "transcripts", "archive", "jobs", "media"] as const;
export type RunPrefixKind = (typeof RUN_PREFIX_KINDS)[number];

export function runPrefixes(tenant: string, resultsTopic: string): Record<RunPrefixKind, string> {
  return {
    segments: `segments/${tenant}/`,
    transcripts: `transcripts/${tenant}/`,
    archive: `archive/${resultsTopic}/`,
    jobs: `jobs/${tenant}/`,
    media: `media/${tenant}/`,
  };
}

export interface PrefixUsage {
  objects: number;
  bytes: number;
  /** Bytes by the key part right after the prefix (the job id under segments/<tenant>/). */
  byChild: Record<string, number>;
}

/** Sums a listing under prefix, and per first key part after it. */
export function summarizeListing(prefix: string, items: Iterable<{ key: string; size: number }>): PrefixUsage {
  const usage: PrefixUsage = { objects: 0, bytes: 0, byChild: {} };
  for (const { key, size } of items) {
    if (!key.startsWith(prefix)) continue;
    usage.objects++;
    usage.bytes += size;
    const child = key.slice(prefix.length).split("/")[0] ?? "";
    usage.byChild[child] = (usage.byChild[child] ?? 0) + size;
  }
  return usage;
}

export async function listUsage(store: ObjectStore, prefix: string): Promise<PrefixUsage> {
  const items: { key: string; size: number }[] = [];
  for await (const item of store.list(prefix)) items.push(item);
  return summarizeListing(prefix, items);
}

export async function usageByKind(store: ObjectStore, prefixes: Record<RunPrefixKind, string>): Promise<Record<RunPrefixKind, PrefixUsage>> {
  const out = {} as Record<RunPrefixKind, PrefixUsage>;
  for (const kind of RUN_PREFIX_KINDS) out[kind] = await listUsage(store, prefixes[kind]);
  return out;
}

/** Disk blocks in use under dir, as `du -s -B1` counts them; files that vanish mid-walk count as 0. */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
    total += (await lstat(dir)).blocks * 512;
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await diskUsage(path);
    else total += await lstat(path).then((s) => s.blocks * 512, () => 0);
  }
  return total;
}

export interface DiskUsageStats {
  startBytes: number;
  peakBytes: number;
  endBytes: number;
  samples: number;
}

/** du of named folders every interval (a walk of the whole data folder is not free: seconds, not milliseconds). */
export class DiskUsageSampler {
  private readonly stats = new Map<string, DiskUsageStats>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  private readonly dirs: Readonly<Record<string, string>>;
  private readonly intervalMs: number;

  constructor(dirs: Readonly<Record<string, string>>, intervalMs = 2000) {
    this.dirs = dirs;
    this.intervalMs = intervalMs;
  }

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => {
      this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
    }, this.intervalMs);
  }

  async stop(): Promise<Record<string, DiskUsageStats>> {
    clearInterval(this.timer);
    await this.ticking;
    await this.tick();
    return Object.fromEntries(this.stats);
  }

  private async tick(): Promise<void> {
    for (const [name, dir] of Object.entries(this.dirs)) {
      const bytes = await diskUsage(dir);
      const s = this.stats.get(name);
      if (!s) this.stats.set(name, { startBytes: bytes, peakBytes: bytes, endBytes: bytes, samples: 1 });
      else {
        s.peakBytes = Math.max(s.peakBytes, bytes);
        s.endBytes = bytes;
        s.samples++;
      }
    }
  }
}
