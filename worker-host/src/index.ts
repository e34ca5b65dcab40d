export * from "./cluster-metrics.ts";
export * from "./run-workers.ts";
export * from "./services.ts";
export * from "./topic-lag.ts";
export * from "./watched-groups.ts";
