import { Writable } from "node:stream";
import { logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { createLogger, kafkaLogCreator } from "./logger.ts";

function capture(): { lines: () => { level: number; msg: string; kafkaLevel?: string }[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join("").split("\n").filter(Boolean).map((l) => JSON.parse(l)) };
}

const entry = (level: logLevel, message: string, error?: string) => ({ namespace: "Connection", level, label: "", log: { timestamp: "", message, error } });

describe("kafkajs log routing", () => {
  it("keeps kafkajs's own lines, errors included, off the terminal at the default level", () => {
    const out = capture();
    const log = kafkaLogCreator(createLogger({ level: "info", destination: out.stream }))(logLevel.DEBUG);
    log(entry(logLevel.ERROR, "Connection error: connect ECONNREFUSED 127.0.0.1:9092"));
    log(entry(logLevel.ERROR, "Response GetOffset(key: 2)", "The group coordinator is not available"));
    log(entry(logLevel.ERROR, "Response JoinGroup", "The coordinator is loading and hence can't process requests for this group"));
    log(entry(logLevel.WARN, "KafkaJS v2.0.0 switched default partitioner"));
    log(entry(logLevel.INFO, "Starting"));
    expect(out.lines()).toEqual([]);
  });

  it("gives them to LOG_LEVEL=debug with kafkajs's level kept as a field", () => {
    const out = capture();
    const log = kafkaLogCreator(createLogger({ level: "debug", destination: out.stream }))(logLevel.DEBUG);
    log(entry(logLevel.ERROR, "Connection error: connect ECONNREFUSED 127.0.0.1:9092"));
    log(entry(logLevel.DEBUG, "Request Metadata"));
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 20, kafkaLevel: "error", msg: "Connection error: connect ECONNREFUSED 127.0.0.1:9092" });
  });
});
