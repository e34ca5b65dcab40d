// Builds and reads the asr.jobs union without spelling Avro full names: avsc wraps
// a union of records as { event: { "io.lingostream.events.JobRequested": {...} } }.

import type { JobEvent } from "./generated/types.ts";

const NAMESPACE = "io.lingostream.events.";

type Branch = JobEvent["event"];
type FullName = Branch extends infer B ? (B extends unknown ? keyof B & string : never) : never;
type Kind<F> = F extends `${typeof NAMESPACE}${infer K}` ? K : never;

/** "JobRequested" | "JobSegmented" | "JobCompleted" | "JobFailed", following the schema. */
export type JobEventType = Kind<FullName>;

/** The record behind each type, e.g. JobEventBodies["JobSegmented"] is JobSegmented. */
export type JobEventBodies = {
  [K in JobEventType]: Extract<Branch, Record<`${typeof NAMESPACE}${K}`, unknown>>[`${typeof NAMESPACE}${K}`];
};

/** A job event with its type spelled out, for `switch (e.type)`. */
export type TaggedJobEvent = { [K in JobEventType]: { type: K; event: JobEventBodies[K] } }[JobEventType];

/** The asr.jobs value for one event, ready for serde.encode("jobs", ...). */
export function jobEventValue<K extends JobEventType>(type: K, event: JobEventBodies[K]): JobEvent {
  return { event: { [`${NAMESPACE}${type}`]: event } as unknown as Branch };
}

/**
 * The event inside a decoded asr.jobs value. Takes `unknown` because decode()
 * callers often hold the value untyped; anything but one wrapped branch throws.
 */
export function readJobEvent(value: unknown): TaggedJobEvent {
  const wrapper = (value as { event?: unknown } | null | undefined)?.event;
  const keys = wrapper !== null && typeof wrapper === "object" ? Object.keys(wrapper) : [];
  const fullName = keys[0];
  if (keys.length !== 1 || fullName === undefined || !fullName.startsWith(NAMESPACE)) {
    throw new TypeError(`not a wrapped job event: event has keys ${JSON.stringify(keys)}`);
  }
  const event = (wrapper as Record<string, unknown>)[fullName];
  return { type: fullName.slice(NAMESPACE.length), event } as TaggedJobEvent;
}
