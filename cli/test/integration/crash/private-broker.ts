// A Kafka broker of the test's own, started by infra/local-stack/stack.sh with
// its own data dir and ports (the jars come from the stack's usual cache), so a
// test can stop and restart it mid-run (keeping its logs) without touching the
// shared broker.

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STACK_SCRIPT } from "../../../src/paths.ts";

export interface PrivateBroker {
  /** host:port for KAFKA_BROKERS. */
  readonly brokers: string;
  /** Stops the broker (controlled shutdown) and keeps its log dirs. */
  stop(): Promise<void>;
  /** Starts it again on the kept data; resolves once it answers. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

export async function startPrivateBroker(): Promise<PrivateBroker> {
  const dir = await mkdtemp(join(tmpdir(), "lingostream-broker-"));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    LINGOSTREAM_STACK_DIR: dir,
    LINGOSTREAM_KAFKA_PORT: String(port),
    LINGOSTREAM_KAFKA_CONTROLLER_PORT: String(controllerPort),
  };
  const stack = (...args: string[]) => runScript(args, env);
  try {
    await stack("up", "kafka");
  } catch (err) {
    await stack("down", "--purge", "kafka").catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    brokers: `localhost:${port}`,
    stop: () => stack("down", "kafka"),
    start: () => stack("up", "kafka"),
    async destroy() {
      await stack("down", "--purge", "kafka");
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function runScript(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [STACK_SCRIPT, ...args], { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4000);
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`stack.sh ${args.join(" ")} exited ${code}:\n${stderr}`))));
  });
}

/** A port nothing listens on right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
