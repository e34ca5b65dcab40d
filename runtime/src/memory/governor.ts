// The state machine every worker obeys: it folds the monitor's latest level per
// source with this process's own sample into one level, and turns that level
// into how much work may run. Transitions fire cleanup, pause and resume hooks.

import { classify, rawLevel } from "./classifier.ts";
import { type Clock, systemClock } from "./clock.ts";
import { pressureHost } from "./config.ts";
import { defaultThresholds, type PressureLevel, type PressureThresholds, severity, worstLevel } from "./levels.ts";
import type { MemorySample } from "./sampler.ts";
import { computeUsage, defaultUsageOptions, type MemoryUsage, projectUsage, type UsageOptions } from "./usage.ts";

/** The fields of a MemoryPressure event the governor needs. */
export interface RemotePressure {
  sourceId: string;
  host: string;
  level: PressureLevel;
  usedRatio: number;
  /** The publisher's heartbeat interval; staleness is measured in these. */
  sampleIntervalMs: number;
  eventTime: number;
}

export interface GovernorState {
  level: PressureLevel;
  /** Segments that may be in flight at once: the configured maximum at LOW, half at MODERATE, none from HIGH. */
  maxInFlight: number;
  /** Consumption paused (HIGH, CRITICAL): in-flight work finishes, nothing new is fetched. */
  paused: boolean;
  acceptNewWork: boolean;
  /** This process's own level, undefined before its first sample. */
  localLevel: PressureLevel | undefined;
  /** Worst level among fresh relevant remote signals, undefined when there are none. */
  remoteLevel: PressureLevel | undefined;
  freshRemoteSources: number;
  /** When the state was computed, epoch ms. */
  time: number;
}

export interface AdmitDecision {
  admitted: boolean;
  /** ok; paused: the level forbids new work; would-exceed: this work would take local memory to HIGH. */
  reason: "ok" | "paused" | "would-exceed";
  level: PressureLevel;
  /** Local used ratio after admitting (the worse of the host and process views); undefined before any local sample. */
  projectedRatio: number | undefined;
}

export type Hook = () => void | Promise<void>;
export type ChangeListener = (state: GovernorState, previous: GovernorState) => void;

export interface GovernorOptions {
  /** Segments in flight at LOW. */
  maxInFlight: number;
  thresholds?: PressureThresholds;
  /** Limit override and minimum free, applied to both local views. */
  usage?: Omit<UsageOptions, "scope">;
  /**
   * Options of the host view where they differ from `usage`. In process scope the
   * override is a per-process budget: measured against the whole machine it would
   * read as CRITICAL whenever the machine uses more than one process may.
   */
  hostUsage?: Omit<UsageOptions, "scope">;
  /** Heartbeat interval assumed for signals that do not state theirs, ms. */
  heartbeatIntervalMs: number;
  /** A remote signal is stale after this many of its heartbeat intervals (default 3); then local sampling decides. */
  staleAfterIntervals?: number;
  /** How far a publisher's clock may run ahead or behind; bounds how old a replayed signal may look fresh (default 5 s). */
  maxClockSkewMs?: number;
  /** Signals about this host count (default: os.hostname(), as pressureHost resolves an unset host). */
  host?: string;
  /** Overrides the same-host rule, e.g. to obey a cluster-wide source too. */
  isRelevant?: (signal: RemotePressure) => boolean;
  clock?: Clock;
  /** Collector to call on CRITICAL; defaults to global gc when node runs with --expose-gc. */
  gc?: (() => void) | null;
  /** Where hook failures go; a hook must never break the governor. */
  onError?: (err: unknown, hook: string) => void;
}

interface RemoteEntry {
  signal: RemotePressure;
  freshUntil: number;
}

/** A stale source is dropped this long after it went stale. */
const FORGET_STALE_AFTER_MS = 10 * 60_000;

export function maxInFlightFor(level: PressureLevel, configuredMax: number): number {
  if (level === "LOW") return configuredMax;
  if (level === "MODERATE") return Math.max(1, Math.floor(configuredMax / 2));
  return 0;
}

export class PressureGovernor {
  private readonly maxInFlight: number;
  private readonly thresholds: PressureThresholds;
  private readonly usageOptions: Omit<UsageOptions, "scope">;
  private readonly hostUsageOptions: Omit<UsageOptions, "scope">;
  private readonly heartbeatIntervalMs: number;
  private readonly staleAfterIntervals: number;
  private readonly maxClockSkewMs: number;
  private readonly isRelevant: (signal: RemotePressure) => boolean;
  private readonly clock: Clock;
  private readonly gc: (() => void) | null;
  private readonly onError: (err: unknown, hook: string) => void;

  private readonly remotes = new Map<string, RemoteEntry>();
  private hostUsage: MemoryUsage | undefined;
  private processUsage: MemoryUsage | undefined;
  private hostLevel: PressureLevel | undefined;
  private processLevel: PressureLevel | undefined;
  private current: GovernorState;

  private readonly changeListeners = new Set<ChangeListener>();
  private readonly pauseHooks = new Set<Hook>();
  private readonly resumeHooks = new Set<Hook>();
  private readonly cleanupHooks = new Set<Hook>();
  private readonly emergencyHooks = new Set<Hook>();
  private readonly pending = new Set<Promise<void>>();
  private dispatching = false;
  private reevaluate = false;

  constructor(options: GovernorOptions) {
    if (!(Number.isInteger(options.maxInFlight) && options.maxInFlight >= 1)) {
      throw new RangeError(`maxInFlight must be a positive integer, got ${options.maxInFlight}`);
    }
    this.maxInFlight = options.maxInFlight;
    this.thresholds = options.thresholds ?? defaultThresholds;
    this.usageOptions = options.usage ?? defaultUsageOptions;
    this.hostUsageOptions = options.hostUsage ?? this.usageOptions;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs;
    this.staleAfterIntervals = options.staleAfterIntervals ?? 3;
    this.maxClockSkewMs = options.maxClockSkewMs ?? 5000;
    const host = pressureHost(options.host);
    this.isRelevant = options.isRelevant ?? ((signal) => signal.host === host);
    this.clock = options.clock ?? systemClock;
    const exposed = (globalThis as { gc?: unknown }).gc;
    this.gc = options.gc !== undefined ? options.gc : typeof exposed === "function" ? (exposed as () => void) : null;
    this.onError = options.onError ?? (() => {});
    this.current = this.compute(this.clock());
  }

  get state(): GovernorState {
    return this.current;
  }

  /** This process's own sample: decides alone when no remote signal is fresh. */
  observeLocal(sample: MemorySample): GovernorState {
    this.hostUsage = computeUsage(sample, { ...this.hostUsageOptions, scope: "host" });
    this.processUsage = computeUsage(sample, { ...this.usageOptions, scope: "process" });
    this.hostLevel = classify(this.hostUsage, this.hostLevel, this.thresholds);
    this.processLevel = classify(this.processUsage, this.processLevel, this.thresholds);
    return this.evaluate();
  }

  /** A MemoryPressure event as received; signals about other hosts are ignored, not stored. */
  observeRemote(signal: RemotePressure, receivedAt: number = this.clock()): GovernorState {
    if (!this.isRelevant(signal)) return this.current;
    const interval = signal.sampleIntervalMs > 0 ? signal.sampleIntervalMs : this.heartbeatIntervalMs;
    // A signal replayed from the compacted topic arrives "now" but may be old; its own time, allowing for skew, caps its age.
    const seenAt = Math.min(receivedAt, signal.eventTime + this.maxClockSkewMs);
    const known = this.remotes.get(signal.sourceId);
    if (known && known.signal.eventTime > signal.eventTime) return this.current;
    this.remotes.set(signal.sourceId, { signal, freshUntil: seenAt + this.staleAfterIntervals * interval });
    return this.evaluate();
  }

  /** A tombstone on the compacted topic: the source is gone. */
  forgetRemote(sourceId: string): GovernorState {
    this.remotes.delete(sourceId);
    return this.evaluate();
  }

  /** Re-reads the clock so remote signals can go stale between events. */
  tick(): GovernorState {
    return this.evaluate();
  }

  /**
   * The local check before accepting a piece of work: refused while the level
   * forbids new work, or when bytesNeeded more would take this process (or this
   * host, as seen from here) to HIGH.
   */
  admit(bytesNeeded: number): AdmitDecision {
    const state = this.evaluate();
    const views = [this.processUsage, this.hostUsage].filter((u): u is MemoryUsage => u !== undefined).map((u) => projectUsage(u, bytesNeeded));
    const projectedRatio = views.length > 0 ? Math.max(...views.map((u) => u.usedRatio)) : undefined;
    if (!state.acceptNewWork) return { admitted: false, reason: "paused", level: state.level, projectedRatio };
    const crosses = views.some((u) => severity(rawLevel(u, this.thresholds)) >= severity("HIGH"));
    return { admitted: !crosses, reason: crosses ? "would-exceed" : "ok", level: state.level, projectedRatio };
  }

  onChange(listener: ChangeListener): () => void {
    return addTo(this.changeListeners, listener);
  }

  /** Entering HIGH or CRITICAL from below: pause consumption. */
  onPause(hook: Hook): () => void {
    return addTo(this.pauseHooks, hook);
  }

  /** Falling back below HIGH (after hysteresis): resume consumption. */
  onResume(hook: Hook): () => void {
    return addTo(this.resumeHooks, hook);
  }

  /** Rising to MODERATE or above from LOW: drop what can be rebuilt. */
  onCleanup(hook: Hook): () => void {
    return addTo(this.cleanupHooks, hook);
  }

  /** Entering CRITICAL: release pooled buffers, drop caches; the collector runs after these. */
  onEmergency(hook: Hook): () => void {
    return addTo(this.emergencyHooks, hook);
  }

  /** Settles when every asynchronous hook started so far has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private evaluate(): GovernorState {
    if (this.dispatching) {
      // A hook fed the governor; finish this round of hooks first so every hook sees transitions in order.
      this.reevaluate = true;
      return this.current;
    }
    do {
      this.reevaluate = false;
      const previous = this.current;
      this.current = this.compute(this.clock());
      if (this.current.level !== previous.level) this.dispatch(this.current, previous);
    } while (this.reevaluate);
    return this.current;
  }

  private compute(now: number): GovernorState {
    let remoteLevel: PressureLevel | undefined;
    let fresh = 0;
    for (const [sourceId, { signal, freshUntil }] of this.remotes) {
      if (now > freshUntil) {
        // Sources that crashed never send a tombstone; forgetting them keeps the map as small as the live sources.
        if (now > freshUntil + FORGET_STALE_AFTER_MS) this.remotes.delete(sourceId);
        continue;
      }
      fresh++;
      remoteLevel = worstLevel(remoteLevel, signal.level);
    }
    const localLevel = this.hostLevel === undefined ? undefined : worstLevel(this.hostLevel, this.processLevel);
    const level = worstLevel(localLevel, remoteLevel);
    const paused = severity(level) >= severity("HIGH");
    return { level, maxInFlight: maxInFlightFor(level, this.maxInFlight), paused, acceptNewWork: !paused, localLevel, remoteLevel, freshRemoteSources: fresh, time: now };
  }

  private dispatch(next: GovernorState, previous: GovernorState): void {
    this.dispatching = true;
    try {
      for (const listener of this.changeListeners) this.run(() => listener(next, previous), "change");
      const rose = (to: PressureLevel) => severity(previous.level) < severity(to) && severity(next.level) >= severity(to);
      if (next.paused && !previous.paused) for (const hook of this.pauseHooks) this.run(hook, "pause");
      if (!next.paused && previous.paused) for (const hook of this.resumeHooks) this.run(hook, "resume");
      if (rose("MODERATE")) for (const hook of this.cleanupHooks) this.run(hook, "cleanup");
      if (rose("CRITICAL")) {
        for (const hook of this.emergencyHooks) this.run(hook, "emergency");
        if (this.gc) this.run(this.gc, "gc");
      }
    } finally {
      this.dispatching = false;
    }
  }

  private run(hook: Hook | (() => void), name: string): void {
    try {
      const result = hook();
      if (result instanceof Promise) {
        const tracked: Promise<void> = result.then(
          () => {},
          (err: unknown) => this.onError(err, name),
        );
        this.pending.add(tracked);
        void tracked.finally(() => this.pending.delete(tracked));
      }
    } catch (err) {
      this.onError(err, name);
    }
  }
}

function addTo<T>(set: Set<T>, item: T): () => void {
  set.add(item);
  return () => set.delete(item);
}
