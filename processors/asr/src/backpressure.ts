// What the processor asks of the memory governor. Kept as a narrow interface so
// the processor can run without a governor (full speed) and tests can drive it.

export interface Backpressure {
  /** Segments allowed in flight now (0 while paused). */
  maxInFlight(configured: number): number;
  /** True while consumption must stay paused (HIGH or CRITICAL). */
  paused(): boolean;
  /** Local check before accepting a segment of this many bytes. */
  admit(bytes: number): boolean;
  /** Resolves when consumption may resume (or the signal aborts). */
  waitUntilResumed(signal: AbortSignal): Promise<void>;
}

export const fullSpeed: Backpressure = {
  maxInFlight: (configured) => configured,
  paused: () => false,
  admit: () => true,
  waitUntilResumed: async () => {},
};
