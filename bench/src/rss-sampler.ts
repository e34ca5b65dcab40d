// Samples the resident memory of named processes while a run goes on: a
// `transcribe` child (optionally with its own children: ffmpeg, decoders) and
// the stack's long-lived servers, whose memory at the start of the run is kept
// too, since their peak since start-up (VmHWM) predates the run.

import { descendants, readComm, readProcMemory } from "./proc-memory.ts";

export interface SampledProcess {
  name: string;
  pid: number;
  /** Also sum the RSS of its descendants (peakTreeRssBytes). */
  withChildren?: boolean;
  /** Count descendants with this command name (maxChildren), e.g. "ps-decoder" for engine slots in use. */
  countChildren?: string | RegExp;
}

export interface RssStats {
  pid: number;
  /** VmRSS at the first sample, bytes. */
  startRssBytes: number;
  /** Highest VmRSS sampled during the run, bytes. */
  peakRssBytes: number;
  /** Last VmRSS read, bytes. */
  endRssBytes: number;
  /** Highest VmHWM read: the kernel's peak since the process started, bytes. */
  hwmBytes: number;
  /** Highest sum of the process's and its descendants' VmRSS, bytes (withChildren only). */
  peakTreeRssBytes?: number;
  /** Most descendants named countChildren seen at once. */
  maxChildren?: number;
  samples: number;
  /** The process was gone at some sample (exited, or restarted by someone else). */
  vanished: boolean;
  /** [seconds since start, VmRSS bytes], at most one point a second. */
  timeline: [number, number][];
}

export class RssSampler {
  private readonly stats = new Map<string, RssStats>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private startedAt = 0;

  private readonly targets: readonly SampledProcess[];
  private readonly intervalMs: number;

  constructor(targets: readonly SampledProcess[], intervalMs = 250) {
    this.targets = targets;
    this.intervalMs = intervalMs;
  }

  /** Takes the first sample now (the start figures), then one every interval. */
  async start(): Promise<void> {
    this.startedAt = performance.now();
    await this.tick();
    this.timer = setInterval(() => {
      // A slow /proc walk must not pile up ticks on a loaded machine.
      this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
    }, this.intervalMs);
  }

  /** A last sample, then the figures of every target that was seen at least once. */
  async stop(): Promise<Record<string, RssStats>> {
    clearInterval(this.timer);
    await this.ticking;
    await this.tick();
    return Object.fromEntries(this.stats);
  }

  /** Figures so far, without stopping. */
  current(name: string): RssStats | undefined {
    return this.stats.get(name);
  }

  private async tick(): Promise<void> {
    const seconds = (performance.now() - this.startedAt) / 1000;
    await Promise.all(this.targets.map((t) => this.sample(t, seconds)));
  }

  private async sample(target: SampledProcess, seconds: number): Promise<void> {
    const mem = await readProcMemory(target.pid);
    let s = this.stats.get(target.name);
    if (!mem) {
      if (s) s.vanished = true;
      return;
    }
    if (!s) {
      s = { pid: target.pid, startRssBytes: mem.rssBytes, peakRssBytes: 0, endRssBytes: 0, hwmBytes: 0, samples: 0, vanished: false, timeline: [] };
      this.stats.set(target.name, s);
    }
    s.samples++;
    s.peakRssBytes = Math.max(s.peakRssBytes, mem.rssBytes);
    s.endRssBytes = mem.rssBytes;
    s.hwmBytes = Math.max(s.hwmBytes, mem.hwmBytes);
    const last = s.timeline.at(-1);
    if (!last || seconds - last[0] >= 1) s.timeline.push([Math.round(seconds * 10) / 10, mem.rssBytes]);
    if (target.withChildren || target.countChildren) {
      const children = await descendants(target.pid);
      if (target.withChildren) {
        const rss = await Promise.all(children.map(async (pid) => (await readProcMemory(pid))?.rssBytes ?? 0));
        s.peakTreeRssBytes = Math.max(s.peakTreeRssBytes ?? 0, mem.rssBytes + rss.reduce((a, b) => a + b, 0));
      }
      if (target.countChildren) {
        const names = await Promise.all(children.map(readComm));
        s.maxChildren = Math.max(s.maxChildren ?? 0, names.filter((n) => (typeof target.countChildren === "string" ? n === target.countChildren : target.countChildren?.test(n ?? ""))).length);
      }
    }
  }
}
