// The one place Kafka clients are made and kafkajs errors are classified.

import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from "kafkajs";
import type { ConnectionConfig } from "./connection-config.ts";
import { PipelineError } from "./errors.ts";
import { kafkaLogCreator, type Logger } from "./logger.ts";

let warningFilterInstalled = false;

/**
 * kafkajs schedules its throttle check with a negative delay when it is not
 * throttled; Node 24 clamps that to 1 ms as older Nodes did, but now also
 * prints TimeoutNegativeWarning on every process (kafkajs issue #1751).
 */
function silenceKafkajsTimeoutWarning(): void {
  if (warningFilterInstalled) return;
  warningFilterInstalled = true;
  const defaultListeners = process.listeners("warning");
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (warning.name === "TimeoutNegativeWarning") return;
    for (const listener of defaultListeners) listener(warning);
  });
}

export function createKafka(config: ConnectionConfig, logger: Logger, clientSuffix = ""): Kafka {
  silenceKafkajsTimeoutWarning();
  const kafkaConfig: KafkaConfig = {
    clientId: clientSuffix ? `${config.kafkaClientId}-${clientSuffix}` : config.kafkaClientId,
    brokers: config.kafkaBrokers,
    ssl: config.kafkaSsl,
    connectionTimeout: config.kafkaConnectTimeoutMs,
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(logger),
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
  };
  const sasl = saslOptions(config);
  if (sasl) kafkaConfig.sasl = sasl;
  return new Kafka(kafkaConfig);
}

function saslOptions(config: ConnectionConfig): SASLOptions | undefined {
  if (config.kafkaSaslMechanism === "none") return undefined;
  const username = config.kafkaSaslUsername ?? "";
  const password = config.kafkaSaslPassword ?? "";
  switch (config.kafkaSaslMechanism) {
    case "plain":
      return { mechanism: "plain", username, password };
    case "scram-sha-256":
      return { mechanism: "scram-sha-256", username, password };
    case "scram-sha-512":
      return { mechanism: "scram-sha-512", username, password };
  }
}

const CONNECTION_ERRORS = new Set(["KafkaJSConnectionError", "KafkaJSNumberOfRetriesExceeded", "KafkaJSBrokerNotFound", "KafkaJSRequestTimeoutError", "KafkaJSConnectionClosedError"]);

/** Turns a kafkajs error into a PipelineError; the broker list goes into the message so users know where we looked. */
export function classifyKafkaError(err: unknown, brokers: string[]): PipelineError {
  if (err instanceof PipelineError) return err;
  const e = err as { name?: string; message?: string; retriable?: boolean };
  const name = e?.name ?? "Error";
  const message = e?.message ?? String(err);
  if (CONNECTION_ERRORS.has(name) || /ECONNREFUSED|ENOTFOUND|Connection timeout/i.test(message)) {
    return new PipelineError(
      "broker-unreachable",
      `cannot reach Kafka at ${brokers.join(",")} (${message}); start the local stack with \`lingostream stack up\` or set KAFKA_BROKERS`,
      { cause: err, retriable: true },
    );
  }
  return new PipelineError("broker-transient", `Kafka error ${name}: ${message}`, { cause: err, retriable: e?.retriable ?? false });
}

/** Fails fast, with a helpful message, when no broker answers. */
export async function assertBrokersReachable(kafka: Kafka, brokers: string[]): Promise<void> {
  const admin = kafka.admin({ retry: { retries: 1, initialRetryTime: 200 } });
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (err) {
    throw classifyKafkaError(err, brokers);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
