// The storage adapter: the sink's only door to S3. Each call retries transient
// S3 failures with backoff; what still fails reaches the caller, which keeps
// its buffer and its offsets uncommitted.

import { type Logger, type ObjectStore, PipelineError, type RetryPolicy, retry } from "@lingostream/runtime";

export interface SinkStorage {
  /** Writes a whole object; the same key written twice leaves one object (idempotent replays). */
  put(key: string, body: Buffer | string, contentType: string): Promise<void>;
  /** Reads a whole object of at most maxBytes; undefined when there is none. */
  get(key: string, maxBytes: number): Promise<Buffer | undefined>;
  exists(key: string): Promise<boolean>;
  /** Removes an object; removing one that is not there is not an error. */
  delete(key: string): Promise<void>;
  /** Removes up to the runtime's MAX_DELETE_BATCH (1000) objects in one request; keys that are not there are not an error. */
  deleteMany(keys: readonly string[]): Promise<void>;
  /** Keys under a prefix in lexical order, at most `limit` of them, starting after `startAfter` when given. */
  list(prefix: string, limit: number, startAfter?: string): Promise<{ key: string; size: number }[]>;
}

export interface S3StorageOptions {
  retryPolicy: RetryPolicy;
  logger: Logger;
  /** Aborting stops the backoff waits, so shutdown is not held up by an S3 outage. */
  signal?: AbortSignal;
}

export function createS3Storage(store: ObjectStore, options: S3StorageOptions): SinkStorage {
  const { logger, retryPolicy, signal } = options;
  const attempt = <T>(op: string, key: string, fn: () => Promise<T>): Promise<T> =>
    retry(() => fn(), retryPolicy, {
      signal,
      onRetry: (err, n, delayMs) => logger.warn({ err, op, key, attempt: n, delayMs }, "S3 call failed, retrying"),
    });
  return {
    async put(key, body, contentType) {
      await attempt("put", key, () => store.put(key, body, contentType));
    },
    get(key, maxBytes) {
      return attempt("get", key, async () => {
        try {
          return await store.get(key, maxBytes);
        } catch (err) {
          if (store.classify(err, key).code === "storage-not-found") return undefined;
          throw err;
        }
      });
    },
    exists(key) {
      return attempt("exists", key, () => store.exists(key));
    },
    delete(key) {
      return attempt("delete", key, () => store.delete(key));
    },
    deleteMany(keys) {
      // A retry sends only the keys S3 has not removed yet.
      let pending = keys;
      return attempt("deleteMany", keys[0] ?? "", async () => {
        const failed = await store.deleteMany(pending);
        if (failed.length === 0) return;
        pending = failed.map((f) => f.key);
        const first = failed[0] as (typeof failed)[number];
        throw new PipelineError(first.error.code, `${failed.length} of ${keys.length} deletes failed, first ${first.key}: ${first.error.message}`, {
          cause: first.error,
          retriable: failed.every((f) => f.error.retriable),
        });
      });
    },
    list(prefix, limit, startAfter) {
      return attempt("list", prefix, async () => {
        const out: { key: string; size: number }[] = [];
        for await (const item of store.list(prefix, { startAfter })) {
          out.push(item);
          if (out.length >= limit) break;
        }
        return out;
      });
    },
  };
}
