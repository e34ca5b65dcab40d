// The per-partition writer of asr.results: an explicit state machine
// buffering → rotating → committed. A rotation writes the batch archive and the
// per-segment objects, lets the job completion run, and only then commits the
// offset after the last record, so a crash anywhere before the commit replays
// the batch onto the same keys instead of losing it. Like Kafka Connect's
// TopicPartitionWriter it also owns its partition's paused state (stopping the
// fetch and the backoff before the next try), so a rebalance that retires the
// writer retires its pause with it.

import { defaultRetryPolicy, mapLimit, type RetryPolicy } from "@lingostream/runtime";
import { archiveLine, encodeJsonLines, JSON_CONTENT_TYPE, JSONL_CONTENT_TYPE } from "./format.ts";
import { archiveKey, archivePrefix, failedPrefix, indexFromKey, type JobRef, MAX_SEGMENT_INDEX, segmentKey } from "./keys.ts";
import type { PartitionBackoff } from "./partition-backoff.ts";
import { fetchedRegardless, type PartitionFetch, PartitionPause, type PausablePartition } from "./partition-pause.ts";
import type { SinkStorage } from "./storage.ts";

/**
 * committed: nothing is owed (every consumed offset is durable and committed);
 * buffering: records or skipped offsets wait for the next rotation;
 * rotating: a rotation is writing; appends must wait for it to end.
 */
export type WriterState = "buffering" | "rotating" | "committed";

export type RotateReason = "records" | "bytes" | "age" | "quota" | "drain" | "retry";

export interface FlushLimits {
  /** Records per partition before a rotation. */
  maxRecords: number;
  /** Buffered bytes per partition before a rotation. */
  maxBytes: number;
  /** Age of the oldest buffered record before a rotation, ms. */
  maxAgeMs: number;
}

/** One SegmentTranscribed as consumed: its coordinates, its slot, and its value already as JSON. */
export interface ResultRecord {
  offset: string;
  timestamp: string;
  key: string | null;
  job: JobRef;
  index: number;
  /** The per-segment object's body, also spliced into the archive line. */
  valueJson: string;
}

export interface RotateOutcome {
  reason: RotateReason;
  records: number;
  bytes: number;
  /** The offset committed: one past the last consumed record. */
  committedOffset: string;
  archiveKey: string | undefined;
  segmentObjects: number;
  jobs: JobRef[];
}

export interface PartitionWriterOptions {
  topic: string;
  partition: number;
  limits: FlushLimits;
  storage: SinkStorage;
  /** Commits `nextOffset` for this partition; must throw if the commit did not happen. */
  commit(nextOffset: string): Promise<void>;
  /** Runs after the objects are written and before the commit (job completion); a throw fails the rotation. */
  afterWrite?(jobs: JobRef[]): Promise<void>;
  clock?: () => number;
  /** Per-segment uploads in flight at once. */
  uploadConcurrency?: number;
  /** Backoff of the partition's pauses after failed writes. */
  retryPolicy?: RetryPolicy;
  /** Stops and restarts fetching the partition while it is paused (default: neither, for tests). */
  fetch?: PartitionFetch;
}

/** Per-record overhead beyond the value's JSON: coordinates, the object, its slot in the array. */
const RECORD_OVERHEAD_BYTES = 160;

export class PartitionWriter implements PausablePartition {
  readonly topic: string;
  readonly partition: number;
  /** Paused after a failed write or read: the partition is not fetched until its backoff has passed. */
  private readonly pauseState: PartitionPause;
  private readonly options: PartitionWriterOptions;
  private readonly clock: () => number;
  private _state: WriterState = "committed";
  private buffer: ResultRecord[] = [];
  private bytes = 0;
  /** The same bytes by tenant: the task divides the result quota among tenants. */
  private readonly bytesByTenant = new Map<string, number>();
  /** Last offset consumed (buffered or skipped); what the next commit covers. */
  private lastConsumed: bigint | undefined;
  /** When the oldest uncommitted offset was consumed. */
  private pendingSince: number | undefined;

  constructor(options: PartitionWriterOptions) {
    this.options = options;
    this.topic = options.topic;
    this.partition = options.partition;
    this.clock = options.clock ?? Date.now;
    this.pauseState = new PartitionPause(options.topic, options.partition, options.fetch ?? fetchedRegardless, options.retryPolicy ?? defaultRetryPolicy, this.clock);
  }

  get backoff(): PartitionBackoff {
    return this.pauseState.backoff;
  }

  get paused(): boolean {
    return this.pauseState.paused;
  }

  get failures(): number {
    return this.pauseState.failures;
  }

  isDue(now = this.clock()): boolean {
    return this.pauseState.isDue(now);
  }

  /** A write or read failed: stop fetching until the backoff has passed; returns the wait, ms. */
  pause(): number {
    return this.pauseState.pause();
  }

  /** The buffer was written after a pause: fetch again. */
  resume(): void {
    this.pauseState.resume();
  }

  get state(): WriterState {
    return this._state;
  }

  get bufferedRecords(): number {
    return this.buffer.length;
  }

  get bufferedBytes(): number {
    return this.bytes;
  }

  /** Buffered bytes of each tenant with results in this buffer. */
  get bufferedByTenant(): ReadonlyMap<string, number> {
    return this.bytesByTenant;
  }

  /** Bytes a record is charged against the buffer limits. */
  static recordBytes(record: ResultRecord): number {
    return Buffer.byteLength(record.valueJson) + RECORD_OVERHEAD_BYTES;
  }

  /**
   * Buffers a record. Returns false for an offset already consumed (kafkajs
   * re-delivers after a failed batch), which is dropped so one archive never
   * holds a record twice.
   */
  append(record: ResultRecord): boolean {
    if (!this.take(record.offset)) return false;
    this.buffer.push(record);
    const bytes = PartitionWriter.recordBytes(record);
    this.bytes += bytes;
    this.bytesByTenant.set(record.job.tenant, (this.bytesByTenant.get(record.job.tenant) ?? 0) + bytes);
    return true;
  }

  /** Marks an offset consumed with nothing to write (a bad record), so the next commit moves past it. */
  skip(offset: string): void {
    this.take(offset);
  }

  private take(offset: string): boolean {
    if (this._state === "rotating") throw new Error(`partition ${this.partition}: append while rotating; callers must serialize`);
    const n = BigInt(offset);
    if (this.lastConsumed !== undefined && n <= this.lastConsumed) return false;
    this.lastConsumed = n;
    this.pendingSince ??= this.clock();
    this._state = "buffering";
    return true;
  }

  /** Full by count or bytes: the caller rotates before it appends more. */
  isFull(): boolean {
    return this.buffer.length >= this.options.limits.maxRecords || this.bytes >= this.options.limits.maxBytes;
  }

  /** Why a rotation is due now, if it is. */
  dueReason(now = this.clock()): RotateReason | undefined {
    if (this._state !== "buffering") return undefined;
    const { maxRecords, maxBytes, maxAgeMs } = this.options.limits;
    if (this.buffer.length >= maxRecords) return "records";
    if (this.bytes >= maxBytes) return "bytes";
    if (this.pendingSince !== undefined && now - this.pendingSince >= maxAgeMs) return "age";
    return undefined;
  }

  /**
   * Writes everything owed and commits. On any failure the buffer stays as it
   * was, nothing is committed, and the state returns to buffering, so the
   * same rotation can be tried again and overwrites what it wrote before.
   * Returns undefined when nothing is owed.
   */
  async rotate(reason: RotateReason): Promise<RotateOutcome | undefined> {
    if (this._state !== "buffering" || this.lastConsumed === undefined) return undefined;
    this._state = "rotating";
    const records = this.buffer;
    const committedOffset = (this.lastConsumed + 1n).toString();
    try {
      const written = records.length > 0 ? await this.writeObjects(records) : { archiveKey: undefined, segmentObjects: 0, jobs: [] };
      if (written.jobs.length > 0) await this.options.afterWrite?.(written.jobs);
      await this.options.commit(committedOffset);
      const outcome: RotateOutcome = { reason, records: records.length, bytes: this.bytes, committedOffset, ...written };
      this.buffer = [];
      this.bytes = 0;
      this.bytesByTenant.clear();
      this.pendingSince = undefined;
      this._state = "committed";
      return outcome;
    } catch (err) {
      this._state = "buffering";
      throw err;
    }
  }

  /** Drops the buffer and any pause without writing: the partition was revoked and its next owner replays from the committed offset. */
  discard(): void {
    this.pauseState.lift();
    this.buffer = [];
    this.bytes = 0;
    this.bytesByTenant.clear();
    this.pendingSince = undefined;
    this.lastConsumed = undefined;
    this._state = "committed";
  }

  private async writeObjects(records: ResultRecord[]): Promise<{ archiveKey: string; segmentObjects: number; jobs: JobRef[] }> {
    const { storage, uploadConcurrency = 8 } = this.options;
    const first = records[0] as ResultRecord;
    const last = records[records.length - 1] as ResultRecord;

    // (a) The batch archive, named by its offset range.
    const key = archiveKey(this.topic, this.partition, first.offset, last.offset);
    const lines = records.map((r) =>
      archiveLine({ topic: this.topic, partition: this.partition, offset: r.offset, timestamp: r.timestamp, key: r.key }, r.valueJson),
    );
    await storage.put(key, encodeJsonLines(lines), JSONL_CONTENT_TYPE);
    // A batch cut differently before a crash or rebalance starts at the same
    // committed offset; removing it keeps one archive per start offset.
    const prefix = archivePrefix(this.topic, this.partition, first.offset);
    for (const stale of await storage.list(prefix, 100)) {
      if (stale.key !== key) await storage.delete(stale.key);
    }

    // (b) One object per segment; the last record of a slot wins, as a replay would.
    const slots = new Map<string, ResultRecord>();
    for (const r of records) slots.set(segmentKey(r.job, r.index), r);
    await mapLimit([...slots], uploadConcurrency, ([segKey, r]) => storage.put(segKey, r.valueJson, JSON_CONTENT_TYPE));

    // A result supersedes an earlier dead letter of the same slot.
    const jobs = new Map<string, { job: JobRef; indices: Set<number> }>();
    for (const r of slots.values()) {
      const id = `${r.job.tenant}/${r.job.jobId}`;
      const entry = jobs.get(id) ?? { job: r.job, indices: new Set<number>() };
      entry.indices.add(r.index);
      jobs.set(id, entry);
    }
    for (const { job, indices } of jobs.values()) {
      const prefix = failedPrefix(job);
      const superseded = (await storage.list(prefix, MAX_SEGMENT_INDEX + 1))
        .map((o) => ({ key: o.key, index: indexFromKey(prefix, o.key) }))
        .filter((o) => o.index !== undefined && indices.has(o.index));
      await mapLimit(superseded, uploadConcurrency, (o) => storage.delete(o.key));
    }
    return { archiveKey: key, segmentObjects: slots.size, jobs: [...jobs.values()].map((j) => j.job) };
  }
}
