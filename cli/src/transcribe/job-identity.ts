// A job's identity is its tenant, its media's content and what was asked of it
// (engine, language): the same file submitted twice, under any name or path, is
// the same job, so a rerun finds the work already done or under way.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import type { ObjectStore } from "@lingostream/runtime";
import type { MediaInputRef } from "../inputs.ts";

export interface JobRequestShape {
  tenant: string;
  engine: string;
  language: string;
}

/** Hex digits of the identity hash kept in the id: 128 bits, no collision in any backlog. */
const ID_HEX_DIGITS = 32;

/** The job id for media of this content digest: "j" + 32 hex digits, valid as an id and an object-key part. */
export function jobIdFor(contentDigest: string, request: JobRequestShape): string {
  const identity = createHash("sha256")
    .update(["lingostream-job-v1", request.tenant, request.engine, request.language, contentDigest].join("\u0000"))
    .digest("hex");
  return `j${identity.slice(0, ID_HEX_DIGITS)}`;
}

/**
 * A digest of the media's content: sha256 streamed from a local file (never
 * the whole file in memory), or for s3:// media the object's ETag and size,
 * which S3 derives from the content, so the object need not be read twice.
 */
export async function contentDigest(input: MediaInputRef, store: ObjectStore, signal?: AbortSignal): Promise<string> {
  if (input.source.startsWith("s3://")) {
    const { bucket, key } = parseS3Uri(input.source);
    const head = await store.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return `s3etag:${head.ETag ?? ""}:${head.ContentLength ?? 0}`;
  }
  const hash = createHash("sha256");
  await pipeline(createReadStream(input.rawPath ?? input.source, { highWaterMark: 1024 * 1024 }), hash, { signal });
  return `sha256:${hash.digest("hex")}`;
}

function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new Error(`${uri} is not an s3://bucket/key URI`);
  return { bucket: m[1] as string, key: m[2] as string };
}
