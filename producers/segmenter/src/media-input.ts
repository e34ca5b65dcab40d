// Turns a caller's path or URL into the one argv entry ffmpeg/ffprobe receive, plus a
// label that is safe to log. Nothing here goes through a shell.

import { resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";

export type MediaInput = string | URL;

export interface ResolvedInput {
  /** Value for `-i` (ffmpeg) or the positional input (ffprobe). */
  arg: string;
  /** Printable name: the local path, or the URL without credentials, query or fragment. */
  label: string;
  /** Absolute path when the input is a local file, so callers can stat it first. */
  localPath: string | undefined;
  /** Value for `-protocol_whitelist`. */
  protocols: string;
}

// A local file must not be able to make the worker fetch URLs (an HLS playlist or
// concat list pointing at http://169.254.169.254/...), so it only gets `file`.
const LOCAL_PROTOCOLS = "file";
const REMOTE_PROTOCOLS = "http,https,tcp,tls,crypto";
// `scheme://` only: a bare `a:b.wav` or `C:\x` is a path, not a URL.
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

export function resolveInput(input: MediaInput): ResolvedInput {
  if (typeof input === "string") {
    if (input.length === 0) throw new TypeError("media input must be a non-empty path or URL");
    if (input.includes("\0")) throw new TypeError("media input must not contain NUL bytes");
    return URL_LIKE.test(input) ? fromUrl(new URL(input)) : fromPath(input);
  }
  if (input instanceof URL) return fromUrl(input);
  throw new TypeError("media input must be a string path or a URL");
}

function fromPath(path: string): ResolvedInput {
  const localPath = resolvePath(path);
  // The `file:` prefix stops ffmpeg from reading a leading '-' as an option or a
  // ':' inside the name as a protocol separator.
  return { arg: `file:${localPath}`, label: localPath, localPath, protocols: LOCAL_PROTOCOLS };
}

function fromUrl(url: URL): ResolvedInput {
  if (url.protocol === "file:") return fromPath(fileURLToPath(url));
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`unsupported media URL scheme ${url.protocol} (only http, https, file)`);
  }
  // Presigned URLs carry credentials in the query string; they must not reach logs.
  const label = `${url.protocol}//${url.host}${url.pathname}`;
  return { arg: url.href, label, localPath: undefined, protocols: REMOTE_PROTOCOLS };
}

/** Replaces the raw input (which may hold secrets) with its label in tool output. */
export function redactInput(text: string, input: ResolvedInput): string {
  return input.arg === input.label ? text : text.split(input.arg).join(input.label);
}
