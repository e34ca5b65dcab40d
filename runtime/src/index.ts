// Public API of @lingostream/runtime. The error type and the retry helper live one
// layer down, in @lingostream/errors (schemas throws and retries with them too);
// they are re-exported so services import everything shared from here.

export * from "@lingostream/errors";
export * from "./asr-group.ts";
export * from "./config.ts";
export * from "./connection-config.ts";
export * from "./consumer-commit.ts";
export * from "./consumer-heartbeat.ts";
export * from "./consumer-stop.ts";
export * from "./cpu.ts";
export * from "./ids.ts";
export * from "./job-events.ts";
export * from "./kafka.ts";
export * from "./logger.ts";
export * from "./map-limit.ts";
export * from "./media-source.ts";
export * from "./memory/index.ts";
export * from "./metrics.ts";
export * from "./object-store.ts";
export * from "./service-context.ts";
export * from "./shutdown.ts";
export * from "./store-layout.ts";
export * from "./tenant-table.ts";
export * from "./topic-admin.ts";
export * from "./topic-lag.ts";
export * from "./wav.ts";
