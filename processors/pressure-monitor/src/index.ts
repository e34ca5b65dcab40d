// Public API of the pressure monitor service.

export * from "./config.ts";
export * from "./service.ts";
export { eventIdentity, pressureEvent, trendEvent, type EventIdentity, type PressureReason } from "./pressure-events.ts";
