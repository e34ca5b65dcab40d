// The local stack's server processes as infra/local-stack/stack.sh leaves them:
// a pid file per service under <stack dir>/run, and the S3 server's data folder
// (one folder per bucket, one file per object) from its command line.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readCmdline } from "./proc-memory.ts";

export const STACK_SERVICES = ["kafka", "registry", "s3"] as const;
export type StackService = (typeof STACK_SERVICES)[number];

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface StackProcesses {
  dir: string;
  /** Live pids by service; a service that is down or not started by stack.sh is missing. */
  pids: Partial<Record<StackService, number>>;
  /** The S3 server's object folder, when its command line names one (an in-memory server has none). */
  s3DataDir: string | undefined;
}

/** stack.sh's data folder: LINGOSTREAM_STACK_DIR, or .local-stack in the repository. */
export function stackDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LINGOSTREAM_STACK_DIR || join(REPO_ROOT, ".local-stack");
}

/** The folder after the `posix` backend argument of a versitygw command line. */
export function s3DataDirFromCmdline(args: readonly string[]): string | undefined {
  const at = args.indexOf("posix");
  if (at < 0) return undefined;
  return args.slice(at + 1).find((a) => !a.startsWith("-"));
}

export async function findStackProcesses(env: NodeJS.ProcessEnv = process.env): Promise<StackProcesses> {
  const dir = stackDir(env);
  const pids: StackProcesses["pids"] = {};
  for (const service of STACK_SERVICES) {
    const text = await readFile(join(dir, "run", `${service}.pid`), "utf8").catch(() => "");
    const pid = Number(text.trim());
    if (Number.isInteger(pid) && pid > 0 && (await readCmdline(pid)).length > 0) pids[service] = pid;
  }
  const s3DataDir = pids.s3 === undefined ? undefined : s3DataDirFromCmdline(await readCmdline(pids.s3));
  return { dir, pids, s3DataDir };
}
