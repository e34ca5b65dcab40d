// Locates native/ps-decoder and builds it on first use. build.sh is a no-op when
// the binary is current, so this costs one fork per Node process.

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EngineError } from "./errors.ts";

export const NATIVE_DIR: string = fileURLToPath(new URL("../../native/", import.meta.url));
export const DECODER_BUILD_SCRIPT: string = `${NATIVE_DIR}build.sh`;
export const DEFAULT_DECODER_PATH: string = `${NATIVE_DIR}build/ps-decoder`;

let build: Promise<string> | undefined;

/** Resolves to the decoder binary path, compiling it once per process. */
export function ensureDecoderBuilt(): Promise<string> {
  build ??= new Promise<string>((resolve, reject) => {
    execFile("sh", [DECODER_BUILD_SCRIPT], { timeout: 120_000 }, (err, _stdout, stderr) => {
      if (!err) {
        resolve(DEFAULT_DECODER_PATH);
        return;
      }
      // Forget the failure so a later call (after the missing package is
      // installed) can try again.
      build = undefined;
      const detail = stderr.trim() || err.message;
      reject(new EngineError("engine", `cannot build ps-decoder: ${detail}`, { retriable: false, cause: err }));
    });
  });
  return build;
}
