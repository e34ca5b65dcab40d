// Host memory from /proc/meminfo: the machine's total and what the kernel says
// could be handed out without swapping (MemAvailable, which counts reclaimable cache).

import type { ReadText } from "./read-text.ts";

export interface HostMemory {
  totalBytes: number;
  availableBytes: number;
  /** Where the figures came from: the kernel file, or Node's os module where there is none. */
  source: "meminfo" | "os";
}

export const MEMINFO_PATH = "/proc/meminfo";

export function parseMeminfo(text: string): HostMemory | undefined {
  const kib = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(\w+):\s+(\d+)\s*kB/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) kib.set(m[1], Number(m[2]));
  }
  const total = kib.get("MemTotal");
  if (total === undefined) return undefined;
  // Kernels before 3.14 lack MemAvailable; free + buffers + page cache is the classic estimate.
  const available = kib.get("MemAvailable") ?? (kib.get("MemFree") ?? 0) + (kib.get("Buffers") ?? 0) + (kib.get("Cached") ?? 0);
  return { totalBytes: total * 1024, availableBytes: Math.min(available, total) * 1024, source: "meminfo" };
}

export async function readHostMemory(readText: ReadText, path = MEMINFO_PATH): Promise<HostMemory | undefined> {
  const text = await readText(path);
  return text === undefined ? undefined : parseMeminfo(text);
}
