import { describe, expect, it } from "vitest";
import { isInfrastructureError, networkFailureReason, PipelineError, unreachableError } from "./errors.ts";

const socketError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("network failure reasons", () => {
  it("finds the socket's code along the cause chain", () => {
    const fetchFailed = new TypeError("fetch failed", { cause: socketError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:8081") });
    expect(networkFailureReason(fetchFailed)).toBe("connection refused");
    expect(networkFailureReason(socketError("ENOTFOUND", "getaddrinfo ENOTFOUND kafka-1"))).toBe("host not found");
  });

  it("reads the per-address errors of a happy-eyeballs connect", () => {
    const aggregate = new AggregateError([socketError("ECONNREFUSED", "connect ECONNREFUSED ::1:9000"), socketError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:9000")], "");
    expect(networkFailureReason(new Error("x", { cause: aggregate }))).toBe("connection refused");
  });

  it("knows a code named only in a message, and timeouts by their words", () => {
    expect(networkFailureReason(new Error("Connection error: connect ECONNREFUSED 127.0.0.1:9092"))).toBe("connection refused");
    expect(networkFailureReason(new Error("Connection timeout"))).toBe("connection timed out");
  });

  it("falls back to the first message when no reason is known", () => {
    expect(networkFailureReason(new Error("SASL authentication failed", { cause: new Error("inner") }))).toBe("SASL authentication failed");
  });
});

describe("unreachable errors", () => {
  it("say what, where, which variable and why on one line, and count as infrastructure", () => {
    const err = unreachableError("storage-unavailable", { service: "S3", address: "http://s3:9000", variable: "S3_ENDPOINT" }, socketError("EHOSTUNREACH", "x"), { hint: "check the VPN" });
    expect(err.message).toBe("cannot reach S3 at http://s3:9000 (S3_ENDPOINT): host unreachable; check the VPN");
    expect(err).toMatchObject({ code: "storage-unavailable", retriable: true, details: { service: "S3", variable: "S3_ENDPOINT", reason: "host unreachable" } });
    expect(isInfrastructureError(err)).toBe(true);
  });

  it("are told apart from errors of the request itself", () => {
    expect(isInfrastructureError(new PipelineError("config-invalid", "x"))).toBe(false);
    expect(isInfrastructureError(new PipelineError("storage-not-found", "x"))).toBe(false);
    expect(isInfrastructureError(new Error("x"))).toBe(false);
    expect(isInfrastructureError(undefined)).toBe(false);
  });
});
