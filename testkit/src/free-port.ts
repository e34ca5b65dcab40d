// Ports for servers a test starts itself (a private broker, S3 server or proxy,
// or docker-compose's servers), chosen by the kernel.

import { createServer } from "node:net";

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
