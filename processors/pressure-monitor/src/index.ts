// Public API of the pressure monitor service.

export * from "./config.ts";
export { type EventIdentity, eventIdentity, type PressureReason, pressureEvent, trendEvent } from "./pressure-events.ts";
export * from "./service.ts";
