// Consumer lag lives in runtime (the segmenter's look-ahead bound reads it
// too); the status and the lag metrics keep importing it from here.
export { type PartitionOffsets, type TopicLag, topicLag } from "@lingostream/runtime";
