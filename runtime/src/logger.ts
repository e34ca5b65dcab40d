// Structured JSON logs through one pino logger; components take child loggers,
// and kafkajs's own logs are routed into it.

import { pino, type Logger } from "pino";
import { logLevel as KafkaLogLevel, type logCreator } from "kafkajs";

export type { Logger };

/**
 * Keys whose values must never reach a log line: generic names and the config
 * fields that hold secrets (a whole config logged by mistake stays safe). Pino
 * matches fixed depths, so each is covered at the top and two levels down.
 */
const SECRET_KEYS = [
  "password",
  "secretAccessKey",
  "sessionToken",
  "apiKey",
  "sasl",
  "authorization",
  "kafkaSaslPassword",
  "registryPassword",
  "s3SecretAccessKey",
  "openaiApiKey",
];
const REDACT = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    { level: options.level ?? "info", name: options.name ?? "lingostream", redact: { paths: REDACT, censor: "***" } },
    options.destination ? (options.destination as pino.DestinationStream) : pino.destination(2),
  );
}

/** kafkajs warnings that are advice for upgraders, not news about this process. */
const KAFKAJS_NOISE = [/switched default partitioner/, /Limiting retries for the idempotent producer/];

/**
 * Broker states that kafkajs logs at error level for each response that carries
 * them, and then retries by itself: a topic just created has no leader yet, a
 * fresh broker's group coordinator is still loading. They are transient; the
 * error that matters is the one kafkajs gives up with, which reaches the caller.
 */
const KAFKAJS_TRANSIENT = [
  /not the leader for that topic-partition/i,
  /no leader for this topic-partition/i,
  /leader(ship)? election/i,
  /coordinator is loading/i,
  /coordinator is not available/i,
  /not the correct coordinator/i,
  /group is rebalancing|rebalance in progress/i,
  /does not host this topic-partition/i,
];

/** kafkajs logs at its own levels; map them onto the pipeline logger. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () => ({ namespace, level, log }) => {
    const { message, ...extra } = log;
    const child = { component: "kafkajs", namespace, ...extra };
    if (KAFKAJS_NOISE.some((re) => re.test(message))) logger.trace(child, message);
    else if (level === KafkaLogLevel.ERROR && KAFKAJS_TRANSIENT.some((re) => re.test(String(extra.error ?? "")))) logger.debug(child, message);
    else if (level === KafkaLogLevel.ERROR) logger.error(child, message);
    else if (level === KafkaLogLevel.WARN) logger.warn(child, message);
    else if (level === KafkaLogLevel.INFO) logger.debug(child, message);
    else logger.trace(child, message);
  };
}
