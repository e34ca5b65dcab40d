// Topic names and their value subjects (TopicNameStrategy: "<topic>-value").
// Services meet only through these names; change one and every service changes.

export const Topics = {
  jobs: "asr.jobs",
  segments: "asr.segments",
  results: "asr.results",
  segmentsFailed: "asr.segments.failed",
  memoryPressure: "asr.memory.pressure",
  memoryTrends: "asr.memory.trends",
} as const;

export type TopicKey = keyof typeof Topics;
export type TopicName = (typeof Topics)[TopicKey];

/** Tests and multi-tenant clusters prefix every topic; the default is none. */
export function topicNames(prefix = ""): Record<TopicKey, string> {
  const out = {} as Record<TopicKey, string>;
  for (const [key, name] of Object.entries(Topics) as [TopicKey, string][]) {
    out[key] = `${prefix}${name}`;
  }
  return out;
}

export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
