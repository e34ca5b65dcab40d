// Bounded reads of topics for a period, for the commands that report on or
// replay from them: scanTopics with any decoding and ordering, scanEvents for
// the pipeline's events through the serde.

export { type EventScanResult, type ScannedEvent, scanEvents } from "./scan-events.ts";
export { scanTopics, type TopicScanOptions, type TopicScanResult } from "./scan-topics.ts";
