import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from "kafkajs";
import { describe, expect, it } from "vitest";
import { classifyKafkaError } from "./kafka.ts";

describe("kafkajs error classification", () => {
  it("makes a refused connection, after kafkajs's retries, one line naming brokers, variable and reason", () => {
    const refused = new KafkaJSConnectionError("Connection error: connect ECONNREFUSED 10.0.0.5:9092", { broker: "10.0.0.5:9092", code: "ECONNREFUSED" });
    const err = classifyKafkaError(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 2, retryTime: 1000 }), ["10.0.0.5:9092", "10.0.0.6:9092"]);
    expect(err.code).toBe("broker-unreachable");
    expect(err.message).toBe("cannot reach Kafka at 10.0.0.5:9092,10.0.0.6:9092 (KAFKA_BROKERS): connection refused");
  });

  it("suggests starting the local stack only when the local stack is where it looked", () => {
    const err = classifyKafkaError(new KafkaJSConnectionError("Connection timeout", { broker: "localhost:9092" }), ["localhost:9092"]);
    expect(err.message).toBe("cannot reach Kafka at localhost:9092 (KAFKA_BROKERS): connection timed out; start the local stack with `lingostream stack up`");
  });

  it("names a port that accepts connections but gives no Kafka answer", () => {
    const err = classifyKafkaError(new Error("Broker not connected"), ["10.0.0.5:8080"]);
    expect(err.code).toBe("broker-unreachable");
    expect(err.message).toBe("cannot reach Kafka at 10.0.0.5:8080 (KAFKA_BROKERS): connected, but no Kafka answer in time");
  });

  it("classifies giving up after retries by what was retried, not as unreachable", () => {
    const missing = new KafkaJSProtocolError("This server does not host this topic-partition");
    Object.assign(missing, { type: "UNKNOWN_TOPIC_OR_PARTITION" });
    const err = classifyKafkaError(new KafkaJSNumberOfRetriesExceeded(missing, { retryCount: 5, retryTime: 1000 }), ["localhost:9092"]);
    expect(err.code).toBe("broker-transient");
    expect(err.message).toBe(
      "Kafka at localhost:9092 lacks a topic the command reads (This server does not host this topic-partition); create the topics with `lingostream topics apply`",
    );
  });

  it("keeps broker answers apart from unreachable brokers", () => {
    const err = classifyKafkaError(new KafkaJSProtocolError("Not authorized to access topics: [Topic authorization failed]"), ["localhost:9092"]);
    expect(err.code).toBe("broker-transient");
    expect(err.message).toContain("Not authorized");
  });
});
