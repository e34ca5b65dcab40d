// The one place Kafka clients are made and kafkajs errors are classified.

import { PipelineError, unreachableError } from "@lingostream/errors";
import { Kafka, type KafkaConfig, logLevel, type RetryOptions, type SASLOptions } from "kafkajs";
import { type ConnectionConfig, LOCAL_KAFKA_BROKERS } from "./connection-config.ts";
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

/** Long-lived clients ride out a broker restart (about 20 s of retries) before an operation fails. */
const CLIENT_RETRY: RetryOptions = { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 };

/** How hard a client tries: long-lived clients keep the defaults, the reachability check gives up sooner. */
export interface ClientPatience {
  retry?: RetryOptions;
  /** Longest wait for a broker's answer, ms; kafkajs's default is 30 s. */
  requestTimeout?: number;
}

export function createKafka(config: ConnectionConfig, logger: Logger, clientSuffix = "", patience: ClientPatience = {}): Kafka {
  silenceKafkajsTimeoutWarning();
  const kafkaConfig: KafkaConfig = {
    clientId: clientSuffix ? `${config.kafkaClientId}-${clientSuffix}` : config.kafkaClientId,
    brokers: config.kafkaBrokers,
    ssl: config.kafkaSsl,
    connectionTimeout: config.kafkaConnectTimeoutMs,
    ...(patience.requestTimeout ? { requestTimeout: patience.requestTimeout } : {}),
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(logger),
    retry: patience.retry ?? CLIENT_RETRY,
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

const CONNECTION_ERRORS = new Set(["KafkaJSConnectionError", "KafkaJSBrokerNotFound", "KafkaJSRequestTimeoutError", "KafkaJSConnectionClosedError"]);
/** A socket that opened but never carried a Kafka answer: a wrong port, a proxy, a broker stuck starting. */
const SILENT_BROKER = /Broker not connected|Request .* timed out|KafkaJSRequestTimeoutError/i;

/** Turns a kafkajs error into a PipelineError; the broker list goes into the message so users know where we looked. */
export function classifyKafkaError(err: unknown, brokers: string[]): PipelineError {
  if (err instanceof PipelineError) return err;
  // Giving up after retries says nothing by itself: what was retried decides
  // the code; trying again later may still help, as it always was.
  if ((err as { name?: string })?.name === "KafkaJSNumberOfRetriesExceeded" && (err as { cause?: unknown }).cause) {
    const inner = classifyKafkaError((err as { cause: unknown }).cause, brokers);
    return new PipelineError(inner.code, inner.message, { cause: err, retriable: true, details: inner.details });
  }
  const e = err as { name?: string; message?: string; retriable?: boolean; type?: string };
  const name = e?.name ?? "Error";
  const message = e?.message ?? String(err);
  const silent = SILENT_BROKER.test(message) || name === "KafkaJSRequestTimeoutError";
  if (silent || CONNECTION_ERRORS.has(name) || /ECONNREFUSED|ENOTFOUND|Connection timeout/i.test(message)) {
    const local = brokers.join(",") === LOCAL_KAFKA_BROKERS.join(",");
    return unreachableError("broker-unreachable", { service: "Kafka", address: brokers.join(","), variable: "KAFKA_BROKERS" }, err, {
      hint: local ? "start the local stack with `lingostream stack up`" : undefined,
      reason: silent ? "connected, but no Kafka answer in time" : undefined,
    });
  }
  if (e?.type === "UNKNOWN_TOPIC_OR_PARTITION") {
    return new PipelineError("broker-transient", `Kafka at ${brokers.join(",")} lacks a topic the command reads (${message}); create the topics with \`lingostream topics apply\``, {
      cause: err,
      retriable: e?.retriable ?? true,
    });
  }
  return new PipelineError("broker-transient", `Kafka error ${name}: ${message}`, { cause: err, retriable: e?.retriable ?? false });
}

/**
 * Connection attempts of the reachability check. Enough to try each of a few
 * brokers once (kafkajs picks a seed broker at random per attempt) and to ride
 * out a broker that is just starting, few enough that a down cluster is
 * reported in seconds rather than after the clients' full retry budget.
 */
function probeRetry(brokers: string[]): RetryOptions {
  return { retries: Math.max(2, brokers.length), initialRetryTime: 250, maxRetryTime: 1000 };
}

/** Time past the connection timeout after which the check gives up, whatever kafkajs is still trying. */
const PROBE_GRACE_MS = 2000;

/**
 * Fails fast, with one clear line, when no broker answers: within the
 * connection timeout plus a couple of seconds. Its own short-lived client is
 * used, because kafkajs applies the client's retry policy (made for riding out
 * broker restarts) to connecting, whatever the admin is given.
 */
export async function assertBrokersReachable(config: ConnectionConfig, logger: Logger): Promise<void> {
  const brokers = config.kafkaBrokers;
  // A listener that accepts but never answers (a wrong port, a proxy) is given no longer than a refusal.
  const admin = createKafka(config, logger, "probe", { retry: probeRetry(brokers), requestTimeout: config.kafkaConnectTimeoutMs }).admin();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Connection timeout: no broker answered within ${Math.round((config.kafkaConnectTimeoutMs + PROBE_GRACE_MS) / 1000)} s`)),
      config.kafkaConnectTimeoutMs + PROBE_GRACE_MS,
    );
  });
  try {
    await Promise.race([
      (async () => {
        await admin.connect();
        await admin.describeCluster();
      })(),
      deadline,
    ]);
  } catch (err) {
    throw classifyKafkaError(err, brokers);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => {});
  }
}
