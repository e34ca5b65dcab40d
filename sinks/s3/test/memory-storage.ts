// An in-memory SinkStorage for the unit tests of the writer and assembly logic
// only; integration tests use the real S3 server.

import { MAX_DELETE_BATCH, PipelineError } from "@lingostream/runtime";
import type { SinkStorage } from "../src/storage.ts";

export class MemoryStorage implements SinkStorage {
  readonly objects = new Map<string, Buffer>();
  /** Every call in order, e.g. "put jobs/t/j/job.json", so tests can assert ordering. */
  readonly calls: string[] = [];
  /** While set, every call fails the way an unreachable S3 does. */
  down = false;
  /** Keys whose next put fails once. */
  readonly failPutOnce = new Set<string>();
  /** Ops ("deleteMany", "list"...) whose next call fails once. */
  readonly failOpOnce = new Set<string>();
  /** Size of every deleteMany batch, in order. */
  readonly deleteBatches: number[] = [];

  private check(op: string, key: string): void {
    this.calls.push(`${op} ${key}`);
    if (this.down || (op === "put" && this.failPutOnce.delete(key)) || this.failOpOnce.delete(op)) {
      throw new PipelineError("storage-unavailable", `memory storage refused ${op} ${key}`, { retriable: true });
    }
  }

  async put(key: string, body: Buffer | string, _contentType: string): Promise<void> {
    this.check("put", key);
    this.objects.set(key, typeof body === "string" ? Buffer.from(body) : Buffer.from(body));
  }

  async get(key: string, maxBytes: number): Promise<Buffer | undefined> {
    this.check("get", key);
    const body = this.objects.get(key);
    if (body && body.byteLength > maxBytes) throw new PipelineError("oversize", `${key} is over ${maxBytes} bytes`);
    return body;
  }

  async exists(key: string): Promise<boolean> {
    this.check("exists", key);
    return this.objects.has(key);
  }

  async delete(key: string): Promise<void> {
    this.check("delete", key);
    this.objects.delete(key);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    this.check("deleteMany", keys[0] ?? "");
    if (keys.length > MAX_DELETE_BATCH) throw new RangeError(`deleteMany takes at most ${MAX_DELETE_BATCH} keys`);
    this.deleteBatches.push(keys.length);
    for (const key of keys) this.objects.delete(key);
  }

  async list(prefix: string, limit: number, startAfter?: string): Promise<{ key: string; size: number }[]> {
    this.check("list", prefix);
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix) && (startAfter === undefined || key > startAfter))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([key, body]) => ({ key, size: body.byteLength }));
  }

  text(key: string): string | undefined {
    return this.objects.get(key)?.toString("utf8");
  }

  json(key: string): unknown {
    const text = this.text(key);
    return text === undefined ? undefined : JSON.parse(text);
  }
}
