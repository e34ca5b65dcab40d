// Tells a scan that stopped making progress what to do. After a few idle
// seconds it is worth checking whether retention deleted what was left to read
// (then those partitions simply end); past the stall timeout the scan fails,
// or stops with what it read when the caller would rather have a short report.

export type StallAction = "check-log-start" | "stop" | "fail";

export interface StallWatchdogOptions {
  /** No progress for this long, ms, is a stall. */
  stallMs: number;
  /** "fail" throws on a stall; "stop" ends the scan with what was read. */
  onStall: "fail" | "stop";
  /** Idle this long, ms, before the log starts are checked (default 5000). */
  checkAfterMs?: number;
  clock?: () => number;
}

export class StallWatchdog {
  private readonly options: StallWatchdogOptions;
  private readonly clock: () => number;
  private lastProgress: number;

  constructor(options: StallWatchdogOptions) {
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.lastProgress = this.clock();
  }

  /** Some partition moved forward. */
  progressed(): void {
    this.lastProgress = this.clock();
  }

  /** What to do now, if anything. */
  check(): StallAction | undefined {
    const idle = this.clock() - this.lastProgress;
    if (idle > this.options.stallMs) return this.options.onStall;
    if (idle > (this.options.checkAfterMs ?? 5000)) return "check-log-start";
    return undefined;
  }
}
