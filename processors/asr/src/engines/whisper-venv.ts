// Locates the whisper engine's Python: the venv python/ensure-venv.sh builds on
// first use in the per-user cache (once per machine and set of pins; the script
// returns at once when it is there), so this costs one fork per Node process.

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EngineError } from "./errors.ts";

export const WHISPER_PYTHON_DIR: string = fileURLToPath(new URL("../../python/", import.meta.url));
export const WHISPER_DECODER_SCRIPT: string = `${WHISPER_PYTHON_DIR}whisper_decoder.py`;
export const WHISPER_VENV_SCRIPT: string = `${WHISPER_PYTHON_DIR}ensure-venv.sh`;

// A cold build downloads about 220 MB of wheels; a slow mirror may need minutes.
const BUILD_TIMEOUT_MS = 20 * 60_000;

let venv: Promise<string> | undefined;

/** The last line the script printed, which is the venv's python. */
export function pythonFromScriptOutput(stdout: string): string | undefined {
  const lines = stdout.split("\n").map((line) => line.trim()).filter(Boolean);
  return lines.at(-1);
}

/** Resolves to the venv's python, building the venv once per process if needed. */
export function ensureWhisperPython(): Promise<string> {
  venv ??= new Promise<string>((resolve, reject) => {
    execFile("bash", [WHISPER_VENV_SCRIPT], { timeout: BUILD_TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      const python = pythonFromScriptOutput(stdout);
      if (!err && python) {
        resolve(python);
        return;
      }
      // Forget the failure so a later call (after the missing package is
      // installed) can try again.
      venv = undefined;
      const detail = stderr.trim() || err?.message || "it printed no python path";
      reject(new EngineError("engine", `cannot set up the whisper engine's Python: ${detail}`, { retriable: false, cause: err }));
    });
  });
  return venv;
}
