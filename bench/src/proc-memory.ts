// Memory of processes the benchmark did not start in-process (a `transcribe`
// child, the stack's servers), read from /proc: VmRSS now, VmHWM (the kernel's
// own peak) when the process is still there to ask.

import { readFile, readdir } from "node:fs/promises";

export interface ProcMemory {
  rssBytes: number;
  /** Peak resident set since the process started; 0 when the kernel did not report it. */
  hwmBytes: number;
}

/** VmRSS and VmHWM of a /proc/<pid>/status text; undefined for a kernel thread or a zombie (no Vm* lines). */
export function parseProcStatus(status: string): ProcMemory | undefined {
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const rssBytes = kb("VmRSS");
  if (rssBytes === undefined) return undefined;
  return { rssBytes, hwmBytes: kb("VmHWM") ?? 0 };
}

/** The pids of /proc/<pid>/task/<tid>/children files, which list each thread's direct children. */
export function parseChildren(lists: readonly string[]): number[] {
  return lists.flatMap((l) => l.split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number));
}

export async function readProcMemory(pid: number): Promise<ProcMemory | undefined> {
  try {
    return parseProcStatus(await readFile(`/proc/${pid}/status`, "utf8"));
  } catch {
    return undefined; // gone
  }
}

export async function readComm(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/comm`, "utf8")).trim();
  } catch {
    return undefined;
  }
}

export async function readCmdline(pid: number): Promise<string[]> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter((a) => a.length > 0);
  } catch {
    return [];
  }
}

/** Every live descendant of pid (children of children too), not pid itself. */
export async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    let tids: string[] = [];
    try {
      tids = await readdir(`/proc/${parent}/task`);
    } catch {
      continue;
    }
    const lists = await Promise.all(tids.map((tid) => readFile(`/proc/${parent}/task/${tid}/children`, "utf8").catch(() => "")));
    for (const child of parseChildren(lists)) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}
