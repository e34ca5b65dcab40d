// Builds and reads the asr.jobs union without spelling Avro full names: avsc wraps
// a union of records as { "io.lingostream.events.JobRequested": {...} }.

import type { JobEvent } from "./generated/types.ts";

const NAMESPACE = "io.lingostream.events.";

type Branch = JobEvent["event"];
type FullName = Branch extends infer B ? (B extends unknown ? keyof B & string : never) : never;
type Kind<F> = F extends `${typeof NAMESPACE}${infer K}` ? K : never;

/** "JobRequested" | "JobSegmented" | "JobCompleted", following the schema. */
export type JobEventKind = Kind<FullName>;

/** The record behind each kind, e.g. JobEventBodies["JobSegmented"] is JobSegmented. */
export type JobEventBodies = {
  [K in JobEventKind]: Extract<Branch, Record<`${typeof NAMESPACE}${K}`, unknown>>[`${typeof NAMESPACE}${K}`];
};

/** A job event with its kind spelled out, for `switch (e.kind)`. */
export type TaggedJobEvent = { [K in JobEventKind]: { kind: K; event: JobEventBodies[K] } }[JobEventKind];

export function wrapJobEvent<K extends JobEventKind>(kind: K, event: JobEventBodies[K]): JobEvent {
  return { event: { [`${NAMESPACE}${kind}`]: event } as unknown as Branch };
}

export function unwrapJobEvent(value: JobEvent): TaggedJobEvent {
  const keys = Object.keys(value.event);
  const fullName = keys[0];
  if (keys.length !== 1 || fullName === undefined || !fullName.startsWith(NAMESPACE)) {
    throw new TypeError(`not a wrapped job event: keys ${JSON.stringify(keys)}`);
  }
  const event = (value.event as Record<string, unknown>)[fullName];
  return { kind: fullName.slice(NAMESPACE.length), event } as TaggedJobEvent;
}
