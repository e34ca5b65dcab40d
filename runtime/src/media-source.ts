// Job sources are local paths or s3:// URIs. ffmpeg reads S3 objects through a
// short-lived presigned URL, so media is streamed, never downloaded whole.

import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { PipelineError } from "@lingostream/errors";
import type { ObjectStore } from "./object-store.ts";

export interface S3Location {
  bucket: string;
  key: string;
}

export function parseS3Uri(uri: string): S3Location | undefined {
  if (!uri.startsWith("s3://")) return undefined;
  const rest = uri.slice("s3://".length);
  const slash = rest.indexOf("/");
  if (slash <= 0 || slash === rest.length - 1) throw new PipelineError("invalid-id", `${uri} is not s3://bucket/key`);
  return { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}

/**
 * What ffmpeg should open for a job source: the path itself, or a presigned URL.
 * An S3 source is looked up first: ffmpeg reports a missing or empty object as an
 * HTTP 4xx that reads like a network failure (and would be retried as one), S3
 * itself says plainly what is wrong.
 */
export async function readableMediaInput(source: string, store: ObjectStore, expiresInSeconds = 6 * 3600): Promise<string> {
  const location = parseS3Uri(source);
  if (!location) return source;
  let byteSize: number | undefined;
  try {
    byteSize = (await store.client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }))).ContentLength;
  } catch (err) {
    throw store.classify(err, location.key);
  }
  if (byteSize === 0) throw new PipelineError("not-media", `${source} is empty (0 bytes)`);
  return getSignedUrl(store.client, new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), { expiresIn: expiresInSeconds });
}
