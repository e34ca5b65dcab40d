// Structured JSON logs through one pino logger; components take child loggers,
// and kafkajs's own logs are routed into it.

import { logLevel as KafkaLogLevel, type logCreator } from "kafkajs";
import { type Logger, pino } from "pino";

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
 * kafkajs logs, at error level, every failed attempt it then retries by itself:
 * each refused connection, a fresh broker's "coordinator is loading" or "group
 * coordinator is not available", a topic with no leader yet. The failure that
 * matters is the one it gives up with: that reaches the caller as an error and
 * is reported there, once, in the pipeline's words (a consumer's crash is
 * logged by the service that owns it). So its own lines are kept at debug,
 * for LOG_LEVEL=debug, and never reach the terminal at the default level.
 */
const KAFKAJS_LEVEL_NAMES: Record<number, string> = { [KafkaLogLevel.ERROR]: "error", [KafkaLogLevel.WARN]: "warn", [KafkaLogLevel.INFO]: "info", [KafkaLogLevel.DEBUG]: "debug" };

export function kafkaLogCreator(logger: Logger): logCreator {
  return () => ({ namespace, level, log }) => {
    const { message, ...extra } = log;
    const child = { component: "kafkajs", namespace, kafkaLevel: KAFKAJS_LEVEL_NAMES[level] ?? level, ...extra };
    if (level === KafkaLogLevel.DEBUG || KAFKAJS_NOISE.some((re) => re.test(message))) logger.trace(child, message);
    else logger.debug(child, message);
  };
}
