// Every config field marked secret, in every service's spec, stays out of the
// logs: logged as a loaded config, nested in a record, or in a kafkajs record
// routed through the logger, and out of redactConfig's printable copy.

import { PassThrough } from "node:stream";
import { type ConfigSpec, createLogger, kafkaLogCreator, loadConfig, redactConfig } from "@lingostream/runtime";
import { logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { CONFIG_SECTIONS } from "./config-docs.ts";

function captureLogger() {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { logger: createLogger({ level: "trace", destination: stream }), text: () => Buffer.concat(chunks).toString("utf8") };
}

const secretFields = CONFIG_SECTIONS.flatMap(([, spec]) => Object.entries(spec).filter(([, field]) => field.secret === true));

/** A value each secret field parses (all current ones are strings), unique per field. */
const marker = (env: string) => `s3cr3t-${env.toLowerCase()}-0f9c`;

describe("secrets in config and logs", () => {
  it("knows the secret fields (SASL, registry and S3 passwords, API keys)", () => {
    expect(secretFields.map(([, f]) => f.env).sort()).toEqual(
      expect.arrayContaining(["KAFKA_SASL_PASSWORD", "OPENAI_API_KEY", "S3_SECRET_ACCESS_KEY", "SCHEMA_REGISTRY_PASSWORD"]),
    );
  });

  it.each(CONFIG_SECTIONS)("%s: a loaded config never leaks a secret, whole, nested or redacted", (_title, spec: ConfigSpec) => {
    const env = Object.fromEntries(Object.values(spec).filter((f) => f.secret).map((f) => [f.env, marker(f.env)]));
    const config = loadConfig(spec, env);
    const { logger, text } = captureLogger();
    logger.info(config, "config");
    logger.info({ config }, "nested");
    logger.info({ service: { config } }, "deeper");
    const printable = JSON.stringify(redactConfig(spec, config));
    for (const value of Object.values(env)) {
      expect(text()).not.toContain(value);
      expect(printable).not.toContain(value);
    }
  });

  it("kafkajs records routed into the logger lose SASL credentials wherever kafkajs puts them", () => {
    const { logger, text } = captureLogger();
    const log = kafkaLogCreator(logger)(logLevel.DEBUG);
    const password = "sasl-pw-31c0";
    const sasl = { mechanism: "scram-sha-512", username: "svc", password };
    for (const level of [logLevel.ERROR, logLevel.WARN, logLevel.INFO, logLevel.DEBUG]) {
      log({
        namespace: "Connection",
        level,
        label: "ERROR",
        log: { timestamp: "t", logger: "kafkajs", message: "SASL SCRAM SHA512 authentication failed", broker: "localhost:9092", sasl, options: { sasl }, request: { auth: { password } } },
      });
    }
    expect(text()).toContain("authentication failed");
    expect(text()).not.toContain(password);
  });
});
