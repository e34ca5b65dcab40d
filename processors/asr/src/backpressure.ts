// What the processor asks of the memory governor. Kept as a narrow interface so
// the processor can run without a governor (full speed) and tests can drive it.

/** A level change as the processor hears it; levels as in the MemoryPressure schema. */
export interface PressureChange {
  level: string;
  previous: string;
  paused: boolean;
}

export type CleanupHook = () => void | Promise<void>;

export interface Backpressure {
  /** Segments allowed in flight now (0 while paused). */
  maxInFlight(configured: number): number;
  /** True while consumption must stay paused (HIGH or CRITICAL). */
  paused(): boolean;
  /** Local check before accepting a segment of this many bytes. */
  admit(bytes: number): boolean;
  /** Resolves when consumption may resume (or the signal aborts). */
  waitUntilResumed(signal: AbortSignal): Promise<void>;
  /** The level now (LOW, MODERATE, HIGH, CRITICAL), for logs and metrics. */
  level?(): string;
  /** Level changes as they happen, so a pause does not wait for the next batch; returns an unsubscribe. */
  onChange?(listener: (change: PressureChange) => void): () => void;
  /** Rising to MODERATE or above: release what can be rebuilt (idle buffers, idle engines). */
  onCleanup?(hook: CleanupHook): () => void;
  /** Entering CRITICAL: release everything held that is not in use. */
  onEmergency?(hook: CleanupHook): () => void;
}

export const fullSpeed: Backpressure = {
  maxInFlight: (configured) => configured,
  paused: () => false,
  admit: () => true,
  waitUntilResumed: async () => {},
};
