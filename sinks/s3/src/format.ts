// JSON Lines encoding of archive batches and the JSON of per-segment objects.
// Each record is serialized once, on append, so a buffer holds strings, not object graphs.

export const JSONL_CONTENT_TYPE = "application/x-ndjson";
export const JSON_CONTENT_TYPE = "application/json";

/** Where a record sat in Kafka; offsets and timestamps stay strings because they are 64-bit. */
export interface RecordCoordinates {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
}

/** JSON that survives 64-bit integers (a bigint becomes its decimal string) instead of throwing. */
export function toJson(value: unknown, space?: number): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), space);
}

/**
 * One archive line: the coordinates, then the value's JSON spliced in as is, so
 * the value is not serialized twice. A line never holds a newline: JSON
 * escapes newlines inside strings, and toJson is called without indentation.
 */
export function archiveLine(at: RecordCoordinates, valueJson: string): string {
  const head = toJson({ topic: at.topic, partition: at.partition, offset: at.offset, timestamp: at.timestamp, key: at.key });
  return `${head.slice(0, -1)},"value":${valueJson}}`;
}

/** A whole archive object: one line per record, each ending in a newline (so files concatenate). */
export function encodeJsonLines(lines: readonly string[]): Buffer {
  return Buffer.from(lines.length === 0 ? "" : `${lines.join("\n")}\n`, "utf8");
}

/** Reads JSON Lines back; blank lines are allowed, a malformed line names its number. */
export function parseJsonLines(text: string): unknown[] {
  const out: unknown[] = [];
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line));
    } catch (err) {
      throw new SyntaxError(`line ${i + 1}: ${(err as Error).message}`);
    }
  }
  return out;
}
