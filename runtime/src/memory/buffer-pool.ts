// A bounded pool of audio buffers. Everything handed out plus everything kept
// for reuse stays under maxBytes, so audio memory cannot grow with the backlog:
// when the pool is exhausted, acquire waits (first come, first served) or fails.

import { PipelineError } from "@lingostream/errors";
import { BufferHandle, type HandleRegistry } from "./audio-handles.ts";

export interface BufferPoolOptions {
  /** Bytes handed out plus bytes kept idle never exceed this. */
  maxBytes: number;
  /** Idle buffers kept for reuse, bytes (default a quarter of maxBytes). */
  maxIdleBytes?: number;
  registry: HandleRegistry;
}

export interface AcquireOptions {
  /** Give up after this long, ms; 0 fails at once when the pool is exhausted. Default: wait as long as it takes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  label?: string;
}

interface Waiter {
  bytes: number;
  label: string;
  resolve(handle: BufferHandle): void;
  reject(err: unknown): void;
}

export class BufferPool {
  readonly maxBytes: number;
  private readonly maxIdleBytes: number;
  private readonly registry: HandleRegistry;
  /** Idle buffers, smallest first, so a best fit is the first that is large enough. */
  private idle: Buffer[] = [];
  private idleBytes = 0;
  private inUseBytes = 0;
  private readonly waiters: Waiter[] = [];

  constructor(options: BufferPoolOptions) {
    if (!(options.maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${options.maxBytes}`);
    this.maxBytes = options.maxBytes;
    this.maxIdleBytes = Math.min(options.maxIdleBytes ?? Math.floor(options.maxBytes / 4), options.maxBytes);
    this.registry = options.registry;
  }

  get stats(): { inUseBytes: number; idleBytes: number; idleBuffers: number; waiting: number } {
    return { inUseBytes: this.inUseBytes, idleBytes: this.idleBytes, idleBuffers: this.idle.length, waiting: this.waiters.length };
  }

  /** A handle to `bytes` of memory (contents undefined: a reused buffer holds old audio until written). */
  acquire(bytes: number, options: AcquireOptions = {}): Promise<BufferHandle> {
    const label = options.label ?? "pooled";
    try {
      this.checkSize(bytes);
    } catch (err) {
      return Promise.reject(err);
    }
    // Waiters go first, even if this request would fit, or a stream of small requests could starve a large one.
    const handle = this.waiters.length === 0 ? this.take(bytes, label) : undefined;
    if (handle) return Promise.resolve(handle);
    if (options.signal?.aborted) return Promise.reject(aborted(options.signal));
    if (options.timeoutMs === 0) return Promise.reject(exhausted(bytes, this.maxBytes));
    return new Promise<BufferHandle>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = () => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        bytes,
        label,
        resolve: (h) => {
          settle();
          resolve(h);
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      };
      const giveUp = (err: unknown) => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        waiter.reject(err);
        // The head may have been what blocked the others.
        this.serveWaiters();
      };
      const onAbort = () => giveUp(aborted(options.signal!));
      if (options.timeoutMs !== undefined) timer = setTimeout(() => giveUp(exhausted(bytes, this.maxBytes, options.timeoutMs)), options.timeoutMs);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** A handle now, or undefined when the pool is exhausted. */
  tryAcquire(bytes: number, label = "pooled"): BufferHandle | undefined {
    this.checkSize(bytes);
    return this.waiters.length === 0 ? this.take(bytes, label) : undefined;
  }

  /** Emergency cleanup: frees every idle buffer; returns the bytes given back. */
  drain(): number {
    const freed = this.idleBytes;
    this.idle = [];
    this.idleBytes = 0;
    this.serveWaiters();
    return freed;
  }

  private checkSize(bytes: number): void {
    if (!(Number.isInteger(bytes) && bytes > 0)) throw new RangeError(`bytes must be a positive integer, got ${bytes}`);
    if (bytes > this.maxBytes) {
      throw new PipelineError("oversize", `a buffer of ${bytes} bytes exceeds the pool's ${this.maxBytes} bytes`, { details: { bytes, maxBytes: this.maxBytes } });
    }
  }

  private take(bytes: number, label: string): BufferHandle | undefined {
    // Reuse only a buffer at most twice the size, so small requests do not pin large buffers.
    const fit = this.idle.findIndex((b) => b.byteLength >= bytes && b.byteLength <= bytes * 2);
    let backing: Buffer;
    if (fit >= 0) {
      backing = this.idle.splice(fit, 1)[0]!;
      this.idleBytes -= backing.byteLength;
    } else {
      if (this.inUseBytes + bytes > this.maxBytes) return undefined;
      // Evict the largest idle buffers first: fewest evictions to make room.
      while (this.inUseBytes + this.idleBytes + bytes > this.maxBytes) {
        const evicted = this.idle.pop()!;
        this.idleBytes -= evicted.byteLength;
      }
      // allocUnsafeSlow: its own backing store, not a slice of Node's shared 8 KiB slab that would outlive the handle.
      backing = Buffer.allocUnsafeSlow(bytes);
    }
    const capacity = backing.byteLength;
    this.inUseBytes += capacity;
    return new BufferHandle(this.registry, backing.subarray(0, bytes), label, () => this.giveBack(backing), {
      bytes: capacity,
      onLeak: () => this.forget(capacity),
    });
  }

  private giveBack(backing: Buffer): void {
    this.inUseBytes -= backing.byteLength;
    if (this.idleBytes + backing.byteLength <= this.maxIdleBytes) {
      const at = this.idle.findIndex((b) => b.byteLength >= backing.byteLength);
      this.idle.splice(at < 0 ? this.idle.length : at, 0, backing);
      this.idleBytes += backing.byteLength;
    }
    this.serveWaiters();
  }

  /** A leaked handle's buffer may still be referenced elsewhere, so only its accounting comes back. */
  private forget(capacity: number): void {
    this.inUseBytes -= capacity;
    this.serveWaiters();
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0) {
      const head = this.waiters[0]!;
      const handle = this.take(head.bytes, head.label);
      if (!handle) return;
      this.waiters.shift();
      head.resolve(handle);
    }
  }
}

function exhausted(bytes: number, maxBytes: number, timeoutMs?: number): PipelineError {
  const waited = timeoutMs ? ` within ${timeoutMs} ms` : "";
  return new PipelineError("timeout", `buffer pool exhausted: ${bytes} bytes not available${waited} (pool max ${maxBytes} bytes)`, {
    retriable: true,
    details: { bytes, maxBytes },
  });
}

function aborted(signal: AbortSignal): PipelineError {
  return new PipelineError("aborted", "buffer acquire aborted", { cause: signal.reason });
}
