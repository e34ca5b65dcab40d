import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, bytes, configTable, hostPorts, int, loadConfig, parseBytes, redactConfig, str } from "./config.ts";
import { connectionSpec } from "./connection-config.ts";

describe("loadConfig", () => {
  it("uses defaults when variables are unset", () => {
    const config = loadConfig(connectionSpec, {});
    expect(config.kafkaBrokers).toEqual(["localhost:9092"]);
    expect(config.s3Bucket).toBe("lingostream");
  });

  it("reports every invalid variable at once, naming each and what it accepts", () => {
    const err = (() => {
      try {
        loadConfig(connectionSpec, { KAFKA_BROKERS: "nohost", KAFKA_SSL: "maybe", SCHEMA_REGISTRY_URL: "ftp://x" });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.problems).toHaveLength(3);
    expect(err!.message).toContain("KAFKA_BROKERS");
    expect(err!.message).toContain("host:port");
    expect(err!.message).toContain("KAFKA_SSL");
    expect(err!.message).toContain("true or false");
    expect(err!.message).toContain("SCHEMA_REGISTRY_URL");
  });

  it("never echoes a secret's value in an error or a printed config", () => {
    const spec = { pw: { ...int({ env: "PW", doc: "", default: 0 }), secret: true } };
    expect(() => loadConfig(spec, { PW: "hunter2" })).toThrow(/PW=\(hidden\)/);
    const config = loadConfig(connectionSpec, { KAFKA_SASL_PASSWORD: "hunter2" });
    expect(JSON.stringify(redactConfig(connectionSpec, config))).not.toContain("hunter2");
  });

  it("reads a JSON config file and lets the environment override it", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    try {
      const file = join(dir, "c.json");
      writeFileSync(file, JSON.stringify({ S3_BUCKET: "from-file", S3_REGION: "eu-west-1" }));
      const config = loadConfig(connectionSpec, { LINGOSTREAM_CONFIG_FILE: file, S3_REGION: "us-west-2" });
      expect(config.s3Bucket).toBe("from-file");
      expect(config.s3Region).toBe("us-west-2");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("checks integer ranges", () => {
    const spec = { n: int({ env: "N", doc: "", default: 1, min: 1, max: 8 }) };
    expect(loadConfig(spec, { N: "8" }).n).toBe(8);
    expect(() => loadConfig(spec, { N: "9" })).toThrow(/N="9".*from 1 to 8/);
    expect(() => loadConfig(spec, { N: "1.5" })).toThrow(/not an integer/);
  });

  it("parses byte sizes with units", () => {
    expect(parseBytes("1048576")).toBe(1048576);
    expect(parseBytes("512MiB")).toBe(512 * 1024 * 1024);
    expect(parseBytes("2GB")).toBe(2e9);
    expect(() => parseBytes("lots")).toThrow();
    const spec = { b: bytes({ env: "B", doc: "", default: undefined }) };
    expect(loadConfig(spec, {}).b).toBeUndefined();
  });

  it("accepts broker lists with IPv6 and rejects bad ports", () => {
    const spec = { b: hostPorts({ env: "B", doc: "", default: [] }) };
    expect(loadConfig(spec, { B: "a:1, [::1]:9092" }).b).toEqual(["a:1", "[::1]:9092"]);
    expect(() => loadConfig(spec, { B: "a:99999" })).toThrow(/not host:port/);
  });

  it("renders a configuration table row per variable", () => {
    const table = configTable({ s: str({ env: "S", doc: "a thing", default: "x" }) });
    expect(table).toContain("| `S` | a thing | `x` |");
  });
});
