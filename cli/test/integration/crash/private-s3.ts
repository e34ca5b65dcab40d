// An S3 server of the test's own (versitygw, objects as files under its data
// dir), started by infra/local-stack/stack.sh with its own data dir and port,
// so a test can SIGKILL it mid-run and start it again on the same files
// without touching the shared server.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOCAL_S3_CREDENTIALS } from "@lingostream/runtime";
import { freePort, waitFor } from "@lingostream/testkit";
import { runStackScript } from "./stack-script.ts";

export interface PrivateS3 {
  /** S3_ENDPOINT, S3_BUCKET and the keys the server takes: the environment that points a worker at it. */
  readonly env: NodeJS.ProcessEnv;
  /** SIGKILL, the way a crash or an OOM kill ends it: no shutdown, requests cut off. Resolves with its pid once it is gone. */
  kill(): Promise<number>;
  /** Starts it again on the same data dir; resolves once it answers signed requests. */
  start(): Promise<void>;
  /** Stops it and deletes its data; later calls to start() fail. */
  destroy(): Promise<void>;
}

const BUCKET = "lingostream";

export async function startPrivateS3(): Promise<PrivateS3> {
  const dir = await mkdtemp(join(tmpdir(), "lingostream-s3-"));
  const port = await freePort();
  const { accessKeyId, secretAccessKey } = LOCAL_S3_CREDENTIALS;
  const scriptEnv = {
    ...process.env,
    LINGOSTREAM_STACK_DIR: dir,
    LINGOSTREAM_S3_PORT: String(port),
    // stack.sh gives the server these keys as its root account and creates the bucket.
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    S3_BUCKET: BUCKET,
  };
  // One stack.sh at a time, and none after destroy(): a start still under way
  // when the suite gives up must not leave a server behind the purge.
  let queue: Promise<unknown> = Promise.resolve();
  let destroyed = false;
  const serially = <T>(op: () => Promise<T>): Promise<T> => {
    const next = queue.then(op, op);
    queue = next.catch(() => {});
    return next;
  };
  const stack = (...args: string[]) => runStackScript([...args, "s3"], scriptEnv);
  const purge = async () => {
    await stack("down", "--purge");
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await stack("up");
  } catch (err) {
    await purge().catch(() => {});
    throw err;
  }
  const dataDir = join(dir, "s3");
  return {
    env: {
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_BUCKET: BUCKET,
      S3_ACCESS_KEY_ID: accessKeyId,
      S3_SECRET_ACCESS_KEY: secretAccessKey,
    },
    kill: () =>
      serially(async () => {
        const pid = Number((await readFile(join(dir, "run", "s3.pid"), "utf8")).trim());
        // The pid file may outlive its process: kill only the server of this data dir.
        const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).split("\0");
        if (!cmdline.includes(dataDir)) throw new Error(`pid ${pid} from ${dir}/run/s3.pid is not the S3 server of ${dataDir}`);
        process.kill(pid, "SIGKILL");
        await waitFor(async () => !(await alive(pid)), `S3 server pid ${pid} to die`, 10_000, 20);
        return pid;
      }),
    start: () =>
      serially(async () => {
        if (destroyed) throw new Error("the private S3 server was destroyed");
        await stack("up");
      }),
    destroy: () => {
      destroyed = true;
      return serially(purge);
    },
  };
}

/** True while the process exists and is not a zombie (a killed server is reaped by whoever adopted it). */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (stat === undefined) return false;
  // pid (comm) state ...: comm may hold spaces and parentheses, the state follows the last ")".
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}
