// Runs a short-lived ffmpeg-family tool to completion with a hard deadline, bounded
// output capture and abort support; the child is always dead when the promise settles.

import { spawn } from "node:child_process";
import { StderrTail } from "./stderr-tail.ts";

export interface RunToolOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  maxStdoutBytes: number;
}

export interface ToolResult {
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: StderrTail;
  timedOut: boolean;
  stdoutOverflow: boolean;
  spawnError: Error | undefined;
}

export function runTool(command: string, args: readonly string[], options: RunToolOptions): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    const stdout: Buffer[] = [];
    const stderr = new StderrTail();
    let stdoutBytes = 0;
    let timedOut = false;
    let stdoutOverflow = false;
    let spawnError: Error | undefined;

    // SIGKILL rather than SIGTERM: a tool stuck on a dead network read may ignore
    // TERM for a long time, and we never need its remaining output.
    const kill = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const signal = options.signal;
    signal?.addEventListener("abort", kill, { once: true });
    if (signal?.aborted) kill();

    child.stdout.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxStdoutBytes) {
        stdoutOverflow = true;
        kill();
      } else {
        stdout.push(chunk);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.once("error", (error) => {
      spawnError = error;
    });
    // 'close' fires even when spawning failed (ENOENT), and only after stdio drained.
    child.once("close", (exitCode, exitSignal) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", kill);
      resolve({
        exitCode,
        exitSignal,
        stdout: Buffer.concat(stdout),
        stderr,
        timedOut,
        stdoutOverflow,
        spawnError,
      });
    });
  });
}
