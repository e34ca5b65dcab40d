// Appends one event to a job's history on asr.jobs (keyed by jobId, so a
// job's events stay in order), durable on all in-sync replicas.

import type { Producer } from "kafkajs";
import { jobEventValue, type JobEventBodies, type JobEventType } from "@lingostream/schemas";
import type { ServiceContext } from "./service-context.ts";

export async function appendJobEvent<K extends JobEventType>(
  ctx: Pick<ServiceContext, "serde" | "topics">,
  producer: Producer,
  type: K,
  body: JobEventBodies[K] & { jobId: string },
): Promise<void> {
  const value = await ctx.serde.encode("jobs", jobEventValue(type, body));
  await producer.send({ topic: ctx.topics.jobs, acks: -1, messages: [{ key: body.jobId, value }] });
}
