// A Kafka broker of the test's own, started by infra/local-stack/stack.sh with
// its own data dir and ports (the jars come from the stack's usual cache), so a
// test can stop and restart it mid-run (keeping its logs) without touching the
// shared broker.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@lingostream/testkit";
import { runStackScript } from "./stack-script.ts";

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
  const stack = (...args: string[]) => runStackScript(args, env);
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
