// The garbage collector for tests that watch finalizers or memory, without
// --expose-gc on the command line. Imports nothing of the workspace, so the
// runtime's own tests can use it (as @lingostream/testkit/expose-gc) although
// the test kit depends on the runtime.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * gc(): the one Node exposes with --expose-gc, or else one from a new context
 * after setting the flag at run time. Undefined where V8 refuses the flag.
 */
export function exposeGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === "function") return existing as () => void;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

/** gc() for a test that means nothing without it: fails loudly where V8 refuses the flag. */
export function requireGc(): () => void {
  const gc = exposeGc();
  if (gc === undefined) throw new Error("this test needs the garbage collector, and V8 refused --expose-gc");
  return gc;
}
