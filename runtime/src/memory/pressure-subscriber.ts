// Feeds a worker's governor from the compacted memory-pressure topic. Every
// worker must see every source, so each instance reads the whole topic under a
// group of its own (kafkajs has no manual assignment), from the beginning: the
// compacted log is the current state of every source, read at start.

import type { Decoded } from "@lingostream/schemas";
import type { Consumer, Kafka } from "kafkajs";
import { Counter, type Registry } from "prom-client";
import { classifyKafkaError } from "../kafka.ts";
import type { Logger } from "../logger.ts";
import type { ServiceContext } from "../service-context.ts";
import { fetchTopicOffsetsRetrying } from "../topic-admin.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { PressureGovernor } from "./governor.ts";

export interface PressureSubscriberOptions {
  kafka: Kafka;
  /** The event serde (EventSerde); only decodeAs is used. */
  serde: { decodeAs(topicKey: "memoryPressure", bytes: Uint8Array): Promise<Decoded<"memoryPressure">> };
  topic: string;
  governor: PressureGovernor;
  logger: Logger;
  /** Unique to this instance: a shared group would split the sources between workers. */
  groupId: string;
  clock?: Clock;
  metrics?: Registry;
  /** Give up waiting for the initial catch-up after this long, ms (default 30 000); the governor works on local samples meanwhile. */
  catchUpTimeoutMs?: number;
  /** Named in connection errors so users know where we looked. */
  brokers?: string[];
  /** Delete the consumer group on stop so one group per restart does not pile up on the broker (default true). */
  deleteGroupOnStop?: boolean;
}

/** unavailable: the registry could not be asked; the record is skipped, since the next heartbeat supersedes it. */
type Outcome = "applied" | "tombstone" | "malformed" | "unavailable";

export class PressureSubscriber {
  private readonly options: PressureSubscriberOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly counter: Counter<"outcome"> | undefined;
  private consumer: Consumer | undefined;
  private stopping: Promise<void> | undefined;
  private resolveCaughtUp: () => void = () => {};
  /** Settles once every partition has been read to the end it had at start (or the catch-up timeout passed). */
  readonly caughtUp: Promise<void>;
  /** The unavailable count when the current registry outage began; undefined while decoding works. */
  private unavailableSince: number | undefined;
  private readonly counts: Record<Outcome, number> = { applied: 0, tombstone: 0, malformed: 0, unavailable: 0 };

  constructor(options: PressureSubscriberOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger.child({ component: "pressure-subscriber", topic: options.topic, groupId: options.groupId });
    this.caughtUp = new Promise((resolve) => {
      this.resolveCaughtUp = resolve;
    });
    const name = "lingostream_pressure_subscriber_messages_total";
    if (options.metrics) {
      this.counter =
        (options.metrics.getSingleMetric(name) as Counter<"outcome"> | undefined) ??
        new Counter({ name, help: "MemoryPressure messages read, by outcome", labelNames: ["outcome"], registers: [options.metrics] });
    }
  }

  get stats(): Readonly<Record<Outcome, number>> {
    return { ...this.counts };
  }

  async start(): Promise<void> {
    const { kafka, topic, groupId } = this.options;
    const ends = await this.partitionEnds().catch((err: unknown) => {
      throw classifyKafkaError(err, this.options.brokers ?? []);
    });
    const pending = new Set([...ends].filter(([, { low, high }]) => high > low).map(([p]) => p));
    const markCaughtUp = (partition: number) => {
      pending.delete(partition);
      if (pending.size === 0) this.resolveCaughtUp();
    };
    if (pending.size === 0) this.resolveCaughtUp();
    const timer = setTimeout(() => {
      if (pending.size > 0) this.logger.warn({ partitions: [...pending] }, "memory-pressure catch-up timed out; continuing with what was read");
      this.resolveCaughtUp();
    }, this.options.catchUpTimeoutMs ?? 30_000);
    timer.unref();
    void this.caughtUp.then(() => clearTimeout(timer));

    // No commits: the group is this instance's alone and always starts from the beginning.
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
    this.consumer = consumer;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) await this.apply(message.key, message.value, batch.partition, message.offset);
          const end = ends.get(batch.partition)?.high;
          if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) markCaughtUp(batch.partition);
        },
      });
    } catch (err) {
      await consumer.disconnect().catch(() => {});
      throw classifyKafkaError(err, this.options.brokers ?? []);
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.resolveCaughtUp();
      await this.consumer?.disconnect().catch((err: unknown) => this.logger.warn({ err }, "error disconnecting the pressure consumer"));
      if (this.options.deleteGroupOnStop ?? true) {
        // Best effort, and no retries: the broker expires the group anyway, and a stop
        // while the broker is down must not wait out the client's retry budget.
        const admin = this.options.kafka.admin({ retry: { retries: 0 } });
        try {
          await admin.connect();
          await admin.deleteGroups([this.options.groupId]);
        } catch (err) {
          this.logger.debug({ err }, "could not delete the pressure consumer group; the broker expires it");
        } finally {
          await admin.disconnect().catch(() => {});
        }
      }
    })();
    return this.stopping;
  }

  private async apply(key: Buffer | null, value: Buffer | null, partition: number, offset: string): Promise<void> {
    const receivedAt = this.clock();
    if (value === null) {
      if (key !== null) this.options.governor.forgetRemote(key.toString("utf8"));
      this.count("tombstone");
      return;
    }
    let event: Decoded<"memoryPressure">["value"];
    try {
      event = (await this.options.serde.decodeAs("memoryPressure", value)).value;
    } catch (err) {
      // One bad record must not stop a worker from hearing the next ones; while
      // nothing decodes, remote signals go stale and local sampling decides.
      const retriable = (err as { retriable?: unknown }).retriable === true;
      this.count(retriable ? "unavailable" : "malformed");
      if (!retriable) {
        this.logger.warn({ err, partition, offset }, "skipping a MemoryPressure record that does not decode");
      } else if (this.unavailableSince === undefined) {
        // An outage fails every record at the heartbeat rate: say so once, and once more when it ends.
        this.unavailableSince = this.counts.unavailable;
        this.logger.warn({ err, partition, offset }, "schema registry unavailable: skipping MemoryPressure records until it is back");
      }
      return;
    }
    if (this.unavailableSince !== undefined) {
      this.logger.info({ skipped: this.counts.unavailable - this.unavailableSince + 1 }, "schema registry back: MemoryPressure records decode again");
      this.unavailableSince = undefined;
    }
    this.options.governor.observeRemote(event, receivedAt);
    this.count("applied");
  }

  private count(outcome: Outcome): void {
    this.counts[outcome]++;
    this.counter?.inc({ outcome });
  }

  /** The end offset of each partition now: what "caught up" means for this start. */
  private async partitionEnds(): Promise<Map<number, { low: bigint; high: bigint }>> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const offsets = await fetchTopicOffsetsRetrying(admin, this.options.topic);
      return new Map(offsets.map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]));
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
}

/** Starts a subscriber for this service's governor and waits until it has read the current state of every source. */
export async function startPressureSubscriber(
  ctx: ServiceContext,
  governor: PressureGovernor,
  options: { groupId?: string; clock?: Clock; catchUpTimeoutMs?: number; waitForCatchUp?: boolean } = {},
): Promise<PressureSubscriber> {
  const subscriber = new PressureSubscriber({
    kafka: ctx.kafka,
    serde: ctx.serde,
    topic: ctx.topics.memoryPressure,
    governor,
    logger: ctx.logger,
    groupId: options.groupId ?? `${ctx.config.kafkaClientId}-pressure-${ctx.instanceId}`,
    clock: options.clock,
    metrics: ctx.metrics,
    catchUpTimeoutMs: options.catchUpTimeoutMs,
    brokers: ctx.config.kafkaBrokers,
  });
  await subscriber.start();
  if (options.waitForCatchUp ?? true) await subscriber.caughtUp;
  return subscriber;
}
