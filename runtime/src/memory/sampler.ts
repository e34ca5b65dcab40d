// One memory sample from every source present on this machine: the process,
// the host, its cgroup and PSI. Reads run in parallel and never block the loop;
// a missing source leaves its field null rather than failing the sample.

import { freemem, totalmem } from "node:os";
import { type CgroupMemory, CgroupMemoryReader } from "./cgroup.ts";
import { type Clock, systemClock } from "./clock.ts";
import { type HostMemory, readHostMemory } from "./meminfo.ts";
import { type PsiMemory, readPsi } from "./psi.ts";
import { type KernelFileReader, kernelFileReader, type ReadText } from "./read-text.ts";

export interface ProcessMemory {
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** C++ objects bound to JS objects, ArrayBuffers included. */
  externalBytes: number;
  /** ArrayBuffers and Buffers: where audio lives. */
  arrayBuffersBytes: number;
}

export interface MemorySample {
  /** When the sample was taken, epoch ms. */
  time: number;
  process: ProcessMemory;
  /** Always present: from /proc/meminfo, or Node's os module where that file does not exist. */
  host: HostMemory;
  cgroup: CgroupMemory | null;
  psi: PsiMemory | null;
}

export interface SamplerOptions {
  /** Default: a reader that keeps the kernel files open; close() the sampler to release them. */
  readText?: ReadText;
  processMemory?: () => ProcessMemory;
  /** Host figures where /proc/meminfo is absent (macOS, Windows). */
  hostFallback?: () => HostMemory;
  clock?: Clock;
  /** Turn sources off; all are on by default and each tolerates absence. */
  sources?: { host?: boolean; cgroup?: boolean; psi?: boolean };
  paths?: { meminfo?: string; psi?: string; cgroupRoot?: string; procSelfCgroup?: string };
}

export function currentProcessMemory(): ProcessMemory {
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external, arrayBuffersBytes: m.arrayBuffers };
}

export function osHostMemory(): HostMemory {
  return { totalBytes: totalmem(), availableBytes: freemem(), source: "os" };
}

export class MemorySampler {
  private readonly readText: ReadText;
  private readonly ownReader: KernelFileReader | undefined;
  private readonly processMemory: () => ProcessMemory;
  private readonly hostFallback: () => HostMemory;
  private readonly clock: Clock;
  private readonly sources: { host: boolean; cgroup: boolean; psi: boolean };
  private readonly paths: SamplerOptions["paths"];
  private readonly cgroup: CgroupMemoryReader;
  /** Once a file proves absent it stays absent; skipping it saves a failed open per sample. */
  private hostFileAbsent = false;
  private psiAbsent = false;

  constructor(options: SamplerOptions = {}) {
    this.ownReader = options.readText ? undefined : kernelFileReader();
    this.readText = options.readText ?? this.ownReader!;
    this.processMemory = options.processMemory ?? currentProcessMemory;
    this.hostFallback = options.hostFallback ?? osHostMemory;
    this.clock = options.clock ?? systemClock;
    this.sources = { host: options.sources?.host ?? true, cgroup: options.sources?.cgroup ?? true, psi: options.sources?.psi ?? true };
    this.paths = options.paths;
    this.cgroup = new CgroupMemoryReader(this.readText, { root: options.paths?.cgroupRoot, procSelfCgroup: options.paths?.procSelfCgroup });
  }

  async sample(): Promise<MemorySample> {
    const time = this.clock();
    const [host, cgroup, psi] = await Promise.all([
      this.sources.host && !this.hostFileAbsent ? readHostMemory(this.readText, this.paths?.meminfo) : undefined,
      this.sources.cgroup ? this.cgroup.read() : undefined,
      this.sources.psi && !this.psiAbsent ? readPsi(this.readText, this.paths?.psi) : undefined,
    ]);
    if (this.sources.host && host === undefined) this.hostFileAbsent = true;
    if (this.sources.psi && psi === undefined) this.psiAbsent = true;
    // Process figures last, so they are no older than the file reads they are compared with.
    return { time, process: this.processMemory(), host: host ?? this.hostFallback(), cgroup: cgroup ?? null, psi: psi ?? null };
  }

  /** Closes the kernel files the sampler holds open (not an injected reader's). */
  async close(): Promise<void> {
    await this.ownReader?.close();
  }
}
