// Hand-crafted events for the bad-input run: AudioSegment and JobRequested
// values with any field hostile, raw wire-format frames (garbage bodies,
// unknown schema ids), and an event log that reads back everything the
// workers wrote to asr.jobs, asr.results and asr.segments.failed.

import { encodeWav, type ServiceContext, sha256Hex } from "@lingostream/runtime";
import {
  type AudioSegment,
  encodeFrame,
  type JobEventBodies,
  jobEventValue,
  readJobEvent,
  type SegmentFailed,
  type SegmentTranscribed,
  type TopicKey,
  topicSchema,
} from "@lingostream/schemas";
import type { Consumer, Producer } from "kafkajs";

/** Fills fields the local schema declares with a default, so builders keep up with added optional fields. */
export function withSchemaDefaults<T extends object>(topicKey: TopicKey, value: T): T {
  const out = { ...value } as Record<string, unknown>;
  for (const field of topicSchema(topicKey).fields as { name: string; default?: unknown }[]) {
    if (!(field.name in out) && "default" in field) out[field.name] = field.default;
  }
  return out as T;
}

export interface SegmentSpec {
  tenant: string;
  jobId: string;
  index?: number;
  segmentId?: string;
  /** Audio stored at the claim check (unless `store: false`); a 2 s tone by default. */
  wav?: Buffer;
  /** Claim-check key; default segments/<tenant>/<jobId>/<index>.wav, as the segmenter writes. */
  key?: string;
  store?: boolean;
  inline?: boolean;
  claim?: Partial<AudioSegment["claimCheck"]>;
}

/** A valid-looking AudioSegment (its audio put in S3 unless told not to), ready to be broken by overrides. */
export async function audioSegment(ctx: ServiceContext, spec: SegmentSpec): Promise<AudioSegment> {
  const index = spec.index ?? 0;
  const wav = spec.wav ?? encodeWav(Buffer.alloc(2 * 16_000 * 2, 1), 16_000, 1);
  const key = spec.key ?? `segments/${spec.tenant}/${spec.jobId}/${String(index).padStart(6, "0")}.wav`;
  if (spec.store !== false) await ctx.store.put(key, wav, "audio/wav");
  return withSchemaDefaults("segments", {
    tenant: spec.tenant,
    jobId: spec.jobId,
    segmentId: spec.segmentId ?? `${spec.jobId}-${String(index).padStart(6, "0")}`,
    index,
    startSeconds: index * 30,
    endSeconds: index * 30 + 2,
    language: "en",
    engine: "deterministic",
    attempt: 1,
    claimCheck: {
      bucket: ctx.store.bucket,
      key,
      byteSize: wav.byteLength,
      sha256: sha256Hex(wav),
      sampleRate: 16_000,
      channels: 1,
      encoding: "wav/pcm_s16le",
      ...spec.claim,
    },
    inlineAudio: spec.inline ? wav : null,
    producerId: "bad-input-test",
    eventTime: Date.now(),
  } as AudioSegment);
}

export function jobRequested(fields: { tenant: string; jobId: string; source: string; sourceName?: string; engine?: string }) {
  const body: JobEventBodies["JobRequested"] = withSchemaDefaults("jobs", {
    tenant: fields.tenant,
    jobId: fields.jobId,
    source: fields.source,
    sourceName: fields.sourceName ?? "hand-crafted.wav",
    language: "en",
    engine: fields.engine ?? "deterministic",
    producerId: "bad-input-test",
    eventTime: Date.now(),
  });
  return jobEventValue("JobRequested", body);
}

/** Wire-format bytes that frame an id the registry never issued (ids are small and sequential). */
export const UNKNOWN_SCHEMA_ID = 0x7ffffff0;

export function unknownSchemaIdFrame(): Buffer {
  // A body that would decode as something; the id is what is wrong.
  return encodeFrame(UNKNOWN_SCHEMA_ID, Buffer.from([2, 0x61, 2, 0x62]));
}

/** Magic byte and a real schema id, then bytes that are not an Avro body of it. */
export function garbageBodyFrame(schemaId: number): Buffer {
  return encodeFrame(schemaId, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x13, 0x37]));
}

/**
 * A plain (non-idempotent) producer for hostile sends: a batch the broker
 * refuses (MESSAGE_TOO_LARGE) must not leave sequence-number state behind.
 */
export class RawProducer {
  private readonly producer: Producer;
  private readonly ctx: ServiceContext;

  constructor(ctx: ServiceContext) {
    this.ctx = ctx;
    this.producer = ctx.kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 1 } });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  /** Produces one record; resolves to its offset, which dead letters of undecodable records point back to. */
  async raw(topicKey: TopicKey, key: string | Buffer, value: Buffer): Promise<string> {
    const [meta] = await this.producer.send({ topic: this.ctx.topics[topicKey], acks: -1, messages: [{ key, value }] });
    return meta!.baseOffset ?? "";
  }

  async segment(segment: AudioSegment, key: string | Buffer = segment.segmentId): Promise<string> {
    return this.raw("segments", key, await this.ctx.serde.encode("segments", segment));
  }

  async job(value: ReturnType<typeof jobRequested>, key: string | Buffer): Promise<string> {
    return this.raw("jobs", key, await this.ctx.serde.encode("jobs", value));
  }

  async result(value: SegmentTranscribed, key: string): Promise<string> {
    return this.raw("results", key, await this.ctx.serde.encode("results", value));
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

export interface JobTrail {
  requested?: JobEventBodies["JobRequested"];
  segmented?: JobEventBodies["JobSegmented"];
  completed?: JobEventBodies["JobCompleted"];
  failed?: JobEventBodies["JobFailed"];
}

/** Everything the workers wrote, decoded; undecodable records are counted per topic, as the workers must skip them. */
export class EventLog {
  readonly jobs = new Map<string, JobTrail>();
  readonly results: SegmentTranscribed[] = [];
  readonly deadLetters: SegmentFailed[] = [];
  readonly undecodable = new Map<string, number>();
  private readonly ctx: ServiceContext;
  private consumer: Consumer | undefined;

  constructor(ctx: ServiceContext) {
    this.ctx = ctx;
  }

  async start(): Promise<void> {
    const { topics } = this.ctx;
    const consumer = this.ctx.kafka.consumer({ groupId: `${this.ctx.config.topicPrefix}event-log`, maxBytesPerPartition: 2 * 1024 * 1024 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.jobs, topics.results, topics.segmentsFailed], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, message }) => {
        let value: unknown;
        try {
          value = message.value ? (await this.ctx.serde.decode(message.value)).value : undefined;
        } catch {
          value = undefined;
        }
        if (value === undefined) {
          this.undecodable.set(topic, (this.undecodable.get(topic) ?? 0) + 1);
          return;
        }
        if (topic === topics.jobs) this.onJobEvent(value);
        else if (topic === topics.results) this.results.push(value as SegmentTranscribed);
        else this.deadLetters.push(value as SegmentFailed);
      },
    });
  }

  private onJobEvent(value: unknown): void {
    let tagged: ReturnType<typeof readJobEvent>;
    try {
      tagged = readJobEvent(value);
    } catch {
      return; // a wrong-topic event on asr.jobs: counted by the sink, not ours to judge
    }
    const jobId = (tagged.event as { jobId?: unknown }).jobId;
    if (typeof jobId !== "string") return;
    const trail = this.jobs.get(jobId) ?? {};
    this.jobs.set(jobId, trail);
    if (tagged.type === "JobRequested") trail.requested = tagged.event;
    else if (tagged.type === "JobSegmented") trail.segmented = tagged.event;
    else if (tagged.type === "JobCompleted") trail.completed = tagged.event;
    else if (tagged.type === "JobFailed") trail.failed = tagged.event;
  }

  /** Jobs requested under a tenant, by source name. */
  jobsOf(tenant: string): { jobId: string; trail: JobTrail }[] {
    return [...this.jobs].filter(([, t]) => t.requested?.tenant === tenant).map(([jobId, trail]) => ({ jobId, trail }));
  }

  /** The dead letter of the record at this offset of asr.segments (undecodable records have no segment id). */
  deadLetterAt(offset: string): SegmentFailed | undefined {
    return this.deadLetters.find((d) => d.source.topic === this.ctx.topics.segments && d.source.offset === offset);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
