// Time as the memory subsystem sees it: injected everywhere time matters so
// unit tests drive it by hand instead of waiting.

/** Milliseconds since the epoch. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
