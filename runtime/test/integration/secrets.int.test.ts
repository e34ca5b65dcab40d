// No secret is ever printed or logged, on the paths where secrets are actually
// used: a real kafkajs SASL handshake that fails against the local broker (it
// has no SASL listener), S3 calls with a secret key, and config errors. Every
// log line of those runs is captured at trace level and searched for the secrets.

import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { assertBrokersReachable, type ConfigError, connectionSpec, createLogger, loadConfig, ObjectStore, redactConfig } from "../../src/index.ts";

const SECRETS = {
  KAFKA_SASL_PASSWORD: "kafka-pw-7d1f0c9e",
  SCHEMA_REGISTRY_PASSWORD: "registry-pw-52aa10b3",
  S3_SECRET_ACCESS_KEY: "s3-secret-9b8e77aa",
};

function capture() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  return { logger: createLogger({ level: "trace", name: "secrets", destination: stream }), output: () => text, close: () => stream.end() };
}

function leaked(text: string): string[] {
  return Object.values(SECRETS).filter((secret) => text.includes(secret));
}

describe("secrets stay out of logs and messages", () => {
  const log = capture();
  afterAll(() => log.close());

  it.each(["plain", "scram-sha-256", "scram-sha-512"])("a failed SASL %s handshake logs the failure but never the password", async (mechanism) => {
    const config = loadConfig(connectionSpec, {
      ...process.env,
      ...SECRETS,
      KAFKA_SASL_MECHANISM: mechanism,
      KAFKA_SASL_USERNAME: "lingostream-user",
      KAFKA_CONNECT_TIMEOUT_MS: "2000",
    });
    const err = await assertBrokersReachable(config, log.logger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const printed = `${(err as Error).message}\n${(err as Error).stack ?? ""}\n${String((err as Error).cause ?? "")}`;
    expect(leaked(printed)).toEqual([]);
    // The kafkajs path was taken: its records were routed into our logger.
    expect(log.output()).toMatch(/"component":"kafkajs"/);
    expect(leaked(log.output())).toEqual([]);
  }, 60_000);

  it("S3 calls signed with the secret key never print it, failing or not", async () => {
    const offline = new ObjectStore(loadConfig(connectionSpec, { ...SECRETS, S3_ACCESS_KEY_ID: "AKIDEXAMPLE", S3_ENDPOINT: "http://127.0.0.1:1" }));
    const err = await offline.put("secrets-test/x", "y").catch((e: unknown) => e);
    offline.close();
    log.logger.error({ err }, "storage failed");
    expect(leaked(`${(err as Error).message}\n${(err as Error).stack ?? ""}`)).toEqual([]);
    expect(leaked(log.output())).toEqual([]);
  }, 60_000);

  it("a config, logged whole or nested, and its printable copy hide every secret", () => {
    const config = loadConfig(connectionSpec, { ...SECRETS, KAFKA_SASL_MECHANISM: "plain", KAFKA_SASL_USERNAME: "u", SCHEMA_REGISTRY_USERNAME: "r" });
    log.logger.info(config, "config");
    log.logger.info({ config }, "nested config");
    log.logger.info({ service: { config } }, "deeper config");
    log.logger.info({ config: redactConfig(connectionSpec, config) }, "redacted config");
    expect(JSON.stringify(redactConfig(connectionSpec, config))).not.toMatch(/pw-|secret-9b/);
    expect(leaked(log.output())).toEqual([]);
  });

  it("an invalid secret is reported by name, never by value", () => {
    const err = (() => {
      try {
        loadConfig({ port: { ...connectionSpec.kafkaConnectTimeoutMs, env: "X_SECRET_NUMBER", secret: true } }, { X_SECRET_NUMBER: SECRETS.S3_SECRET_ACCESS_KEY });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.message).toContain("X_SECRET_NUMBER=(hidden)");
    expect(leaked(err?.message ?? "")).toEqual([]);
  });
});
