// Expands the paths given to `transcribe` into media inputs: files as given,
// folders walked for media extensions, s3:// URIs passed through.

import { readdir, stat } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";

export const MEDIA_EXTENSIONS = new Set([
  ".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".oga", ".opus", ".wma", ".aiff", ".aif",
  ".mp4", ".m4v", ".mkv", ".webm", ".mov", ".avi", ".wmv", ".flv", ".ts", ".mpg", ".mpeg", ".3gp",
]);

export interface MediaInputRef {
  /** What the job's source field holds: an absolute path or an s3:// URI. */
  source: string;
  /** File name without folders, used for output names. */
  name: string;
}

export interface ExpandResult {
  inputs: MediaInputRef[];
  problems: string[];
}

export async function expandInputs(paths: string[]): Promise<ExpandResult> {
  const inputs: MediaInputRef[] = [];
  const problems: string[] = [];
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
      problems.push(`${p}: no such file or folder`);
      continue;
    }
    if (info.isDirectory()) {
      const found = await walk(abs);
      if (found.length === 0) problems.push(`${p}: folder holds no media files (${[...MEDIA_EXTENSIONS].slice(0, 6).join(", ")}, …)`);
      inputs.push(...found.map((f) => ({ source: f, name: basename(f) })));
    } else {
      // A file named explicitly is tried whatever its extension; the probe decides.
      inputs.push({ source: abs, name: basename(abs) });
    }
  }
  return { inputs, problems };
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile() && MEDIA_EXTENSIONS.has(extname(entry.name).toLowerCase())) out.push(full);
  }
  return out;
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
