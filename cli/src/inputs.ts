// Expands the paths given to `transcribe` into media inputs: files as given,
// folders walked for media extensions, s3:// URIs passed through.

import { readdir, stat } from "node:fs/promises";
import { basename, extname, resolve, sep } from "node:path";

export const MEDIA_EXTENSIONS = new Set([
  ".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".oga", ".opus", ".wma", ".aiff", ".aif",
  ".mp4", ".m4v", ".mkv", ".webm", ".mov", ".avi", ".wmv", ".flv", ".ts", ".mpg", ".mpeg", ".3gp",
]);

export interface MediaInputRef {
  /** What the job's source field holds: an absolute path or an s3:// URI. */
  source: string;
  /** File name without folders, used for output names. */
  name: string;
  /**
   * The path's bytes when they are not UTF-8: `source` then shows U+FFFD in
   * their place and cannot open the file, so it is read through this and uploaded.
   */
  rawPath?: Buffer;
}

export interface ExpandResult {
  inputs: MediaInputRef[];
  /** Paths given that yield nothing to transcribe, and why. */
  problems: { path: string; message: string }[];
}

export async function expandInputs(paths: string[]): Promise<ExpandResult> {
  const inputs: MediaInputRef[] = [];
  const problems: ExpandResult["problems"] = [];
  for (const p of paths) {
    if (p.startsWith("s3://")) {
      inputs.push({ source: p, name: basename(p) || "media" });
      continue;
    }
    const abs = resolve(p);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(abs);
    } catch {
      problems.push({ path: p, message: "no such file or folder" });
      continue;
    }
    if (info.isDirectory()) {
      const found = await walk(Buffer.from(abs));
      if (found.length === 0) problems.push({ path: p, message: `folder holds no media files (${[...MEDIA_EXTENSIONS].slice(0, 6).join(", ")}, …)` });
      inputs.push(...found);
    } else {
      // A file named explicitly is tried whatever its extension; the probe decides.
      inputs.push({ source: abs, name: basename(abs) });
    }
  }
  return { inputs, problems };
}

/** Names are read as bytes: a file name that is not UTF-8 has no string that opens it. */
async function walk(dir: Buffer): Promise<MediaInputRef[]> {
  const out: MediaInputRef[] = [];
  const entries = await readdir(dir, { withFileTypes: true, encoding: "buffer" });
  entries.sort((a, b) => a.name.toString("utf8").localeCompare(b.name.toString("utf8")));
  for (const entry of entries) {
    const full = Buffer.concat([dir, Buffer.from(sep), entry.name]);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile() && MEDIA_EXTENSIONS.has(extname(entry.name.toString("utf8")).toLowerCase())) out.push(fileInput(full));
  }
  return out;
}

function fileInput(path: Buffer): MediaInputRef {
  const source = path.toString("utf8");
  const input: MediaInputRef = { source, name: basename(source) };
  if (!Buffer.from(source, "utf8").equals(path)) input.rawPath = path;
  return input;
}

/** Output base names, unique within one run (two "talk.mp4" from different folders). */
export function outputNames(inputs: MediaInputRef[]): string[] {
  const used = new Map<string, number>();
  return inputs.map((input) => {
    const stem = safeFileName(input.name.replace(/\.[^.]+$/, "") || "media");
    const n = used.get(stem) ?? 0;
    used.set(stem, n + 1);
    return n === 0 ? stem : `${stem}-${n + 1}`;
  });
}

/** Keeps readable names but never a path separator, control character or leading dot. */
export function safeFileName(name: string): string {
  const cleaned = [...name]
    .map((ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? "_" : ch))
    .join("")
    .replace(/[/\\]+/g, "_")
    .replace(/^\.+/, "_")
    .slice(0, 200);
  return cleaned.length > 0 ? cleaned : "media";
}
