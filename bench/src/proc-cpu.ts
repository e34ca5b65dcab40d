// CPU time of a process the benchmark did not run in-process (an engine's
// decoder), read from /proc/<pid>/stat: user + system time of all its threads.

import { readFile } from "node:fs/promises";

/** Clock ticks per second of /proc's times: USER_HZ, 100 on every Linux architecture that ships today. */
export const USER_HZ = 100;

/** utime + stime of a /proc/<pid>/stat text, seconds; undefined when it cannot be read. */
export function parseProcStatCpuSeconds(stat: string, ticksPerSecond: number = USER_HZ): number | undefined {
  // The command name (field 2) is in parentheses and may hold spaces or ')': fields count from after the last ')'.
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state), so utime (field 14) and stime (field 15) are fields[11] and fields[12].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / ticksPerSecond;
}

export async function readProcCpuSeconds(pid: number): Promise<number | undefined> {
  try {
    return parseProcStatCpuSeconds(await readFile(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined; // gone
  }
}
