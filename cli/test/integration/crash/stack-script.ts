// infra/local-stack/stack.sh run for a private server of a test (its own data
// dir and ports, the stack's usual cache); testkit's freePort picks the ports.

import { spawn } from "node:child_process";
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
