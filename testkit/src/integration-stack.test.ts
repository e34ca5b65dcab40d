import { describe, expect, it } from "vitest";
import { parseEnvLines } from "./integration-stack.ts";

describe("parseEnvLines", () => {
  it("reads the KEY=value lines `stack.sh up` prints and nothing else", () => {
    const out = "KAFKA_BROKERS=localhost:9092\nSCHEMA_REGISTRY_URL=http://localhost:8081/apis/ccompat/v7\n[stack] kafka: up\nnot a line\nS3_BUCKET=\n";
    expect(parseEnvLines(out)).toEqual({
      KAFKA_BROKERS: "localhost:9092",
      SCHEMA_REGISTRY_URL: "http://localhost:8081/apis/ccompat/v7",
      S3_BUCKET: "",
    });
  });
});
