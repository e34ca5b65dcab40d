// The consumer groups lingostream runs, named by the services' configs, and
// the topics each subscribes: what lag is measured against.

import type { Env, ServiceContext } from "@lingostream/runtime";
import { loadServiceConfigs } from "./services.ts";

export interface WatchedGroup {
  group: string;
  role: string;
  topics: string[];
}

export function watchedGroups(env: Env, topics: ServiceContext["topics"]): WatchedGroup[] {
  const services = loadServiceConfigs(env);
  return [
    { group: services.segmenter.groupId, role: "segmenter", topics: [topics.jobs] },
    { group: services.asr.groupId, role: "asr", topics: [topics.segments] },
    { group: services.sink.groupId, role: "sink", topics: [topics.results, topics.jobs, topics.segmentsFailed] },
  ];
}
