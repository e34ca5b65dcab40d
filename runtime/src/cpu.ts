// How many cores this process may use: the smaller of the CPUs it is allowed
// to run on and its cgroup's CPU quota (a container limited to 1.5 CPUs gets 2,
// one limited to 0.5 gets 1), so defaults follow the machine or pod they run in.

import { availableParallelism } from "node:os";
import { readFileSync } from "node:fs";
import { CGROUP_ROOT, PROC_SELF_CGROUP, parseProcSelfCgroup } from "./memory/cgroup.ts";

/** cpu.max ("max 100000" or "150000 100000"): the quota in CPUs, or null when unlimited or unreadable. */
export function parseCpuMax(text: string): number | null {
  const m = /^(max|\d+)\s+(\d+)\s*$/.exec(text.trim());
  if (!m || m[1] === "max") return null;
  const period = Number(m[2]);
  return period > 0 ? Number(m[1]) / period : null;
}

/** Cores from the CPUs allowed and a quota in CPUs (null: none): at least 1. */
export function coresFrom(allowed: number, quota: number | null): number {
  const byQuota = quota === null ? Number.POSITIVE_INFINITY : Math.ceil(quota);
  return Math.max(1, Math.min(allowed, byQuota));
}

function readQuota(): number | null {
  try {
    const { unifiedPath } = parseProcSelfCgroup(readFileSync(PROC_SELF_CGROUP, "utf8"));
    if (unifiedPath === undefined) return null;
    // The tightest quota from this cgroup up to the root of the mount binds.
    let tightest: number | null = null;
    for (let dir = unifiedPath; ; dir = dir.slice(0, dir.lastIndexOf("/")) || "/") {
      let quota: number | null = null;
      try {
        quota = parseCpuMax(readFileSync(`${CGROUP_ROOT}${dir === "/" ? "" : dir}/cpu.max`, "utf8"));
      } catch {
        // The root cgroup has no cpu.max; a missing file means no quota at that level.
      }
      if (quota !== null && (tightest === null || quota < tightest)) tightest = quota;
      if (dir === "/") break;
    }
    return tightest;
  } catch {
    return null;
  }
}

let cached: number | undefined;

/** Cores available to this process, read once. */
export function availableCores(): number {
  cached ??= coresFrom(availableParallelism(), readQuota());
  return cached;
}
