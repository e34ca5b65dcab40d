// infra/local-stack/stack.sh run for a private server of a test (its own data
// dir and ports, the stack's usual cache), and the ports such servers listen on.

import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { STACK_SCRIPT } from "../../../src/paths.ts";

/** Runs stack.sh with the given arguments; rejects with the tail of its stderr unless it exits 0. */
export function runStackScript(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
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

/**
 * Local stacks on a shared machine take ports whose thousands digit is 8 or 9:
 * the defaults (8081, 9000, 9092) and their copies (29092, 39000, 48081 ...).
 * A private server of the suite must not take one of those while that stack
 * happens to be down, or the stack could not come up again.
 */
function isStackPort(port: number): boolean {
  return Math.floor(port / 1000) % 10 >= 8;
}

/** A port nothing listens on right now (the kernel's pick), outside the ports local stacks use. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = await kernelPort();
    if (!isStackPort(port)) return port;
  }
  throw new Error("the kernel picked only ports that local stacks use; is the ephemeral range that narrow?");
}

function kernelPort(): Promise<number> {
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
