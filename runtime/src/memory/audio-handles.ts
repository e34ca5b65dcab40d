// Disposable handles that own audio memory (Buffers) and temp files, released
// on every path with `using` / `await using` or withHandle(). A registry counts
// live handles and, through a FinalizationRegistry, those collected unreleased:
// the leak counter that metrics report.

import { PipelineError } from "@lingostream/errors";

export type HandleKind = "buffer" | "temp-file";

export interface KindCounts {
  live: number;
  liveBytes: number;
  /** Handles garbage-collected without release. */
  leaked: number;
}

interface Tracked {
  kind: HandleKind;
  bytes: number;
  label: string;
  /** Run when the handle is collected unreleased: give back accounting, never the resource itself. */
  onLeak: (() => void) | undefined;
}

export interface LeakReport {
  kind: HandleKind;
  label: string;
  bytes: number;
}

/** Counts handles by kind; one per process, passed to whatever makes handles. */
export class HandleRegistry {
  private readonly counts: Record<HandleKind, KindCounts> = {
    buffer: { live: 0, liveBytes: 0, leaked: 0 },
    "temp-file": { live: 0, liveBytes: 0, leaked: 0 },
  };
  // The held value must not reach the handle, or the handle could never be collected.
  private readonly finalizer = new FinalizationRegistry<Tracked>((held) => this.collectedUnreleased(held));
  private readonly onLeak: ((report: LeakReport) => void) | undefined;

  constructor(options: { onLeak?: (report: LeakReport) => void } = {}) {
    this.onLeak = options.onLeak;
  }

  get live(): number {
    return this.counts.buffer.live + this.counts["temp-file"].live;
  }

  get leaked(): number {
    return this.counts.buffer.leaked + this.counts["temp-file"].leaked;
  }

  get liveBytes(): number {
    return this.counts.buffer.liveBytes;
  }

  countsFor(kind: HandleKind): Readonly<KindCounts> {
    return { ...this.counts[kind] };
  }

  /** A Buffer that the caller now owns through a handle; release drops the handle's reference. */
  adopt(buffer: Buffer, label = "buffer"): BufferHandle {
    return new BufferHandle(this, buffer, label, undefined, undefined);
  }

  /** @internal Called by handle constructors; the returned token identifies the registration. */
  track(handle: object, kind: HandleKind, bytes: number, label: string, onLeak?: () => void): object {
    const token = {};
    this.finalizer.register(handle, { kind, bytes, label, onLeak }, token);
    const c = this.counts[kind];
    c.live++;
    c.liveBytes += bytes;
    return token;
  }

  /** @internal Called once by a handle's release. */
  untrack(token: object, kind: HandleKind, bytes: number): void {
    this.finalizer.unregister(token);
    const c = this.counts[kind];
    c.live--;
    c.liveBytes -= bytes;
  }

  private collectedUnreleased(held: Tracked): void {
    const c = this.counts[held.kind];
    c.live--;
    c.liveBytes -= held.bytes;
    c.leaked++;
    try {
      held.onLeak?.();
      this.onLeak?.({ kind: held.kind, label: held.label, bytes: held.bytes });
    } catch {
      // A finalizer callback that throws would surface as an uncaught exception far from its cause.
    }
  }
}

/** A handle's audio read after release: a defect in the caller, which no retry mends. */
export class ReleasedHandleError extends PipelineError {
  constructor(label: string) {
    super("use-after-release", `handle "${label}" was used after release`, { retriable: false, details: { label } });
    this.name = "ReleasedHandleError";
  }
}

/** Owns one Buffer of audio. The Buffer must not be kept beyond the handle: a pooled one is handed to the next owner. */
export class BufferHandle implements Disposable {
  readonly label: string;
  readonly byteLength: number;
  private view: Buffer | undefined;
  private readonly registry: HandleRegistry;
  private readonly token: object;
  private readonly accountedBytes: number;
  private readonly onRelease: ((view: Buffer) => void) | undefined;

  /** @internal Made by HandleRegistry.adopt or BufferPool.acquire. */
  constructor(registry: HandleRegistry, view: Buffer, label: string, onRelease: ((view: Buffer) => void) | undefined, accounting: { bytes: number; onLeak: () => void } | undefined) {
    this.registry = registry;
    this.view = view;
    this.label = label;
    this.byteLength = view.byteLength;
    this.accountedBytes = accounting?.bytes ?? view.byteLength;
    this.onRelease = onRelease;
    this.token = registry.track(this, "buffer", this.accountedBytes, label, accounting?.onLeak);
  }

  get released(): boolean {
    return this.view === undefined;
  }

  get buffer(): Buffer {
    if (this.view === undefined) throw new ReleasedHandleError(this.label);
    return this.view;
  }

  /** Idempotent: the first call releases, later calls do nothing. */
  release(): void {
    const view = this.view;
    if (view === undefined) return;
    this.view = undefined;
    this.registry.untrack(this.token, "buffer", this.accountedBytes);
    this.onRelease?.(view);
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

/** Runs fn with the handle and releases it afterwards, whether fn returns or throws. */
export async function withHandle<H extends Disposable | AsyncDisposable, T>(handle: H, fn: (handle: H) => T | Promise<T>): Promise<T> {
  try {
    return await fn(handle);
  } finally {
    if (Symbol.asyncDispose in handle) await (handle as AsyncDisposable)[Symbol.asyncDispose]();
    else (handle as Disposable)[Symbol.dispose]();
  }
}
