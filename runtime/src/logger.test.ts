import { Writable } from "node:stream";
import { logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { createLogger, kafkaLogCreator } from "./logger.ts";

function capture(): { lines: () => { level: number; msg: string }[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join("").split("\n").filter(Boolean).map((l) => JSON.parse(l)) };
}

describe("kafkajs log routing", () => {
  it("keeps transient broker states kafkajs retries itself below warn, and real errors at error", () => {
    const out = capture();
    const log = kafkaLogCreator(createLogger({ level: "warn", destination: out.stream }))(logLevel.DEBUG);
    const entry = (error: string) => ({ namespace: "Connection", level: logLevel.ERROR, label: "ERROR", log: { timestamp: "", message: "Response ListOffsets(key: 2, version: 3)", error } });
    log(entry("This server is not the leader for that topic-partition"));
    log(entry("The coordinator is loading and hence can't process requests for this group"));
    log(entry("The group coordinator is not available"));
    log(entry("Not authorized to access topics: [Topic authorization failed]"));
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, msg: "Response ListOffsets(key: 2, version: 3)", error: "Not authorized to access topics: [Topic authorization failed]" });
  });
});
