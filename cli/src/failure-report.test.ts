import { ConfigError, PipelineError, unreachableError } from "@lingostream/runtime";
import { SerdeError } from "@lingostream/schemas";
import { describe, expect, it } from "vitest";
import { EXIT } from "./exit-codes.ts";
import { reportFailure } from "./failure-report.ts";

const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8081"), { code: "ECONNREFUSED" });

describe("failure report", () => {
  it("prints an unreachable service as one line naming it, its address and its variable, exit 3", () => {
    const err = unreachableError("broker-unreachable", { service: "Kafka", address: "localhost:9092", variable: "KAFKA_BROKERS" }, refused);
    expect(reportFailure(err)).toEqual({ line: "cannot reach Kafka at localhost:9092 (KAFKA_BROKERS): connection refused", exitCode: EXIT.unreachable });
  });

  it("prints the registry client's outage as it words it, like Kafka's and S3's, exit 3", () => {
    const outage = new SerdeError("registry-unavailable", "cannot reach the schema registry at http://reg:8081 (SCHEMA_REGISTRY_URL): connection refused", { cause: refused });
    expect(reportFailure(outage)).toEqual({
      line: "cannot reach the schema registry at http://reg:8081 (SCHEMA_REGISTRY_URL): connection refused",
      exitCode: EXIT.unreachable,
    });
  });

  it("puts every configuration problem on one line", () => {
    const report = reportFailure(new ConfigError(["KAFKA_BROKERS=\"x\" is not valid", "LOG_LEVEL=\"loud\" is not valid"]));
    expect(report.line).toBe('invalid configuration: KAFKA_BROKERS="x" is not valid; LOG_LEVEL="loud" is not valid');
    expect(report.line).not.toContain("\n");
    expect(report.exitCode).toBe(EXIT.usage);
    expect(report.stack).toBeUndefined();
  });

  it("gives a known error's message without a stack, even when debugging", () => {
    const report = reportFailure(new PipelineError("broker-transient", "Kafka error X: y"), { debug: true });
    expect(report).toEqual({ line: "Kafka error X: y", exitCode: EXIT.failed });
  });

  it("shows an unexpected error's stack only when LOG_LEVEL=debug asks", () => {
    const bug = new TypeError("cannot read properties of undefined");
    const quiet = reportFailure(bug);
    expect(quiet.line).toBe("unexpected error: cannot read properties of undefined (LOG_LEVEL=debug shows where)");
    expect(quiet.stack).toBeUndefined();
    const loud = reportFailure(bug, { debug: true });
    expect(loud.stack).toContain("TypeError: cannot read properties of undefined");
    expect(loud.exitCode).toBe(EXIT.failed);
  });
});
