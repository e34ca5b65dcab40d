// S3 I/O behind one small interface; AWS SDK errors are classified here once.

import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { PipelineError, unreachableError } from "@lingostream/errors";
import { type ConnectionConfig, LOCAL_S3_CREDENTIALS, LOCAL_S3_ENDPOINT } from "./connection-config.ts";

/** The most keys one DeleteObjects request may name. */
export const MAX_DELETE_BATCH = 1000;

/** A key that DeleteObjects could not remove, with its error classified like any other S3 failure. */
export interface FailedDelete {
  key: string;
  error: PipelineError;
}

export interface StoredObject {
  key: string;
  byteSize: number;
  sha256: string;
}

export class ObjectStore {
  readonly bucket: string;
  readonly client: S3Client;
  readonly endpoint: string;

  constructor(config: ConnectionConfig, client?: S3Client) {
    this.bucket = config.s3Bucket;
    this.endpoint = config.s3UseAws ? `s3.${config.s3Region}.amazonaws.com` : config.s3Endpoint;
    const s3Config: S3ClientConfig = {
      region: config.s3Region,
      forcePathStyle: config.s3ForcePathStyle,
      maxAttempts: 4,
      // Checksums on every request cost CPU and some S3-compatible servers reject them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    };
    if (!config.s3UseAws) s3Config.endpoint = config.s3Endpoint;
    if (config.s3AccessKeyId && config.s3SecretAccessKey) {
      s3Config.credentials = { accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey };
    } else if (!config.s3UseAws && config.s3Endpoint === LOCAL_S3_ENDPOINT) {
      s3Config.credentials = LOCAL_S3_CREDENTIALS;
    }
    this.client = client ?? new S3Client(s3Config);
  }

  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const status = httpStatus(err);
      if (status !== 404 && (err as Error).name !== "NotFound") throw this.classify(err, `bucket ${this.bucket}`);
      try {
        await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
      } catch (createErr) {
        const name = (createErr as Error).name;
        if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw this.classify(createErr, `bucket ${this.bucket}`);
      }
    }
  }

  /** Writes a whole object; overwriting the same key is how replays stay idempotent. */
  async put(key: string, body: Buffer | string, contentType = "application/octet-stream"): Promise<StoredObject> {
    const buffer = typeof body === "string" ? Buffer.from(body) : body;
    const sha256 = createHash("sha256").update(buffer).digest("hex");
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: buffer, ContentType: contentType, Metadata: { sha256 } }),
      );
    } catch (err) {
      throw this.classify(err, key);
    }
    return { key, byteSize: buffer.byteLength, sha256 };
  }

  /** Reads a whole object, refusing anything larger than maxBytes so memory stays bounded. */
  async get(key: string, maxBytes: number): Promise<Buffer> {
    const stream = await this.getStream(key, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream) {
      total += (chunk as Buffer).byteLength;
      if (total > maxBytes) {
        stream.destroy();
        throw new PipelineError("oversize", `object ${key} is larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks, total);
  }

  async getStream(key: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Readable> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if ((res.ContentLength ?? 0) > maxBytes) {
        (res.Body as Readable | undefined)?.destroy();
        throw new PipelineError("oversize", `object ${key} is ${res.ContentLength} bytes, over the limit of ${maxBytes}`);
      }
      return res.Body as Readable;
    } catch (err) {
      throw this.classify(err, key);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      const classified = this.classify(err, key);
      if (classified.code === "storage-not-found") return false;
      throw classified;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      throw this.classify(err, key);
    }
  }

  /**
   * Removes up to MAX_DELETE_BATCH keys in one request. S3 answers per key, so
   * the keys it could not remove come back (a key that was already gone counts
   * as removed); a failure of the request itself is thrown.
   */
  async deleteMany(keys: readonly string[]): Promise<FailedDelete[]> {
    if (keys.length === 0) return [];
    if (keys.length > MAX_DELETE_BATCH) throw new RangeError(`deleteMany takes at most ${MAX_DELETE_BATCH} keys, got ${keys.length}`);
    let errors: { Key?: string; Code?: string; Message?: string }[];
    try {
      const res = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
      );
      errors = res.Errors ?? [];
    } catch (err) {
      throw this.classify(err, `${keys.length} keys from ${keys[0]}`);
    }
    const failed: FailedDelete[] = [];
    for (const e of errors) {
      const key = e.Key ?? "";
      const code = e.Code ?? "InternalError";
      // Per-key errors carry only S3's code; give it the status it has as a whole response so it is classified the same way.
      const status = PER_KEY_STATUS[code] ?? 400;
      const error = this.classify(Object.assign(new Error(e.Message ?? code), { name: code, $metadata: { httpStatusCode: status } }), key);
      if (error.code !== "storage-not-found") failed.push({ key, error });
    }
    return failed;
  }

  /** Keys under a prefix in lexical order, fetched a page at a time; startAfter skips every key up to and including it. */
  async *list(prefix: string, options: { startAfter?: string } = {}): AsyncGenerator<{ key: string; size: number }> {
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, StartAfter: token ? undefined : options.startAfter }),
        );
      } catch (err) {
        throw this.classify(err, prefix);
      }
      for (const item of page.Contents ?? []) yield { key: item.Key ?? "", size: item.Size ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  close(): void {
    this.client.destroy();
  }

  classify(err: unknown, what: string): PipelineError {
    if (err instanceof PipelineError) return err;
    const name = (err as Error)?.name ?? "Error";
    const message = (err as Error)?.message ?? String(err);
    const status = httpStatus(err);
    // Before not-found: versitygw answers an unknown access key with 404
    // XAdminUserNotFound where AWS says 403 InvalidAccessKeyId.
    if (status === 403 || name === "AccessDenied" || name === "InvalidAccessKeyId" || name === "SignatureDoesNotMatch" || name === "XAdminUserNotFound") {
      return new PipelineError("storage-denied", `S3 denied access to ${what} (${name}); check AWS credentials`, { cause: err });
    }
    if (name === "NoSuchKey" || name === "NotFound" || status === 404) {
      return new PipelineError("storage-not-found", `s3://${this.bucket}/${what} not found`, { cause: err });
    }
    if (name === "SlowDown" || status === 503 || status === 429) {
      return new PipelineError("storage-throttled", `S3 throttled on ${what}: ${message}`, { cause: err, retriable: true });
    }
    if (status === undefined) {
      // No answer at all: the server is not there (refused, unknown host, timed out).
      const variable = this.endpoint.endsWith(".amazonaws.com") ? "S3_REGION" : "S3_ENDPOINT";
      const hint = this.endpoint === LOCAL_S3_ENDPOINT ? "start the local stack with `lingostream stack up`" : undefined;
      return unreachableError("storage-unavailable", { service: "S3", address: this.endpoint, variable }, err, { hint });
    }
    if (status >= 500) {
      return new PipelineError(
        "storage-unavailable",
        `S3 at ${this.endpoint} unavailable for ${what} (${name}: ${message}); start the local stack with \`lingostream stack up\` or set S3_ENDPOINT`,
        { cause: err, retriable: true },
      );
    }
    return new PipelineError("unknown", `S3 error on ${what}: ${name}: ${message}`, { cause: err });
  }
}

const PER_KEY_STATUS: Record<string, number> = { NoSuchKey: 404, AccessDenied: 403, SlowDown: 503, ServiceUnavailable: 503, InternalError: 500 };

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

export function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
