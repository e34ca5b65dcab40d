// What every service is given at start: config, clients and observability.
// Built once per process by the cli and passed in, so services never read
// process.env and tests can build their own.

import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { Kafka } from "kafkajs";
import { EventSerde, topicNames, type TopicKey } from "@lingostream/schemas";
import type { ConnectionConfig } from "./connection-config.ts";
import { createKafka } from "./kafka.ts";
import type { Logger } from "./logger.ts";
import { createMetricsRegistry, type Registry } from "./metrics.ts";
import { ObjectStore } from "./object-store.ts";

export interface ServiceContext {
  config: ConnectionConfig;
  logger: Logger;
  metrics: Registry;
  kafka: Kafka;
  serde: EventSerde;
  store: ObjectStore;
  topics: Record<TopicKey, string>;
  /** Unique per process: host, pid and a random suffix. */
  instanceId: string;
}

/** A running long-lived service: stop() drains and releases everything it holds. */
export interface RunningService {
  readonly name: string;
  stop(): Promise<void>;
  /** Settles when the service ends by itself (crash or completion). */
  readonly done: Promise<void>;
}

export function newInstanceId(role = "lingostream"): string {
  return `${role}-${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

export function createServiceContext(config: ConnectionConfig, logger: Logger, options: { metrics?: Registry; role?: string } = {}): ServiceContext {
  const topics = topicNames(config.topicPrefix);
  const registryAuth =
    config.registryUsername !== undefined ? { username: config.registryUsername, password: config.registryPassword ?? "" } : undefined;
  return {
    config,
    logger,
    metrics: options.metrics ?? createMetricsRegistry(),
    kafka: createKafka(config, logger, options.role),
    serde: new EventSerde({ registryUrl: config.registryUrl, topicPrefix: config.topicPrefix, auth: registryAuth }),
    store: new ObjectStore(config),
    topics,
    instanceId: newInstanceId(options.role),
  };
}
