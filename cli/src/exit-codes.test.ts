import { ConfigError, PipelineError } from "@lingostream/runtime";
import { SerdeError } from "@lingostream/schemas";
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { EXIT, exitCodeOf } from "./exit-codes.ts";

describe("exit codes", () => {
  it("maps unreachable Kafka, registry and S3 to 3", () => {
    expect(exitCodeOf(new PipelineError("broker-unreachable", "x"))).toBe(EXIT.unreachable);
    expect(exitCodeOf(new PipelineError("storage-unavailable", "x"))).toBe(EXIT.unreachable);
    // The registry client's error type, a PipelineError with the serde's codes.
    expect(exitCodeOf(new SerdeError("registry-unavailable", "x"))).toBe(EXIT.unreachable);
  });

  it("maps bad arguments, bad ids and bad configuration to 2", () => {
    expect(exitCodeOf(new PipelineError("config-invalid", "invalid --rate"))).toBe(EXIT.usage);
    expect(exitCodeOf(new PipelineError("invalid-id", "bad job id"))).toBe(EXIT.usage);
    expect(exitCodeOf(new ConfigError(["KAFKA_BROKERS=x is not valid"]))).toBe(EXIT.usage);
    expect(exitCodeOf(new CommanderError(1, "commander.unknownOption", "unknown option"))).toBe(EXIT.usage);
  });

  it("keeps 0 for --help and --version, which commander ends by throwing", () => {
    expect(exitCodeOf(new CommanderError(0, "commander.version", "0.1.0"))).toBe(EXIT.ok);
    expect(exitCodeOf(new CommanderError(0, "commander.helpDisplayed", "(outputHelp)"))).toBe(EXIT.ok);
  });

  it("maps an interrupted operation to 130 and anything else to 1", () => {
    expect(exitCodeOf(new PipelineError("aborted", "scan aborted"))).toBe(EXIT.interrupted);
    expect(exitCodeOf(new PipelineError("broker-transient", "x"))).toBe(EXIT.failed);
    expect(exitCodeOf(new TypeError("x is undefined"))).toBe(EXIT.failed);
  });
});
