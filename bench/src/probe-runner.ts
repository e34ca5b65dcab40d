// Runs one measured thing in its own Node process, so its peak RSS is its own
// and not the runner's. The child reports its result and its maxRSS over IPC;
// the parent also reads VmHWM from /proc as a cross-check.

import { fork } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

export type ProbeName = "asr-processor" | "sink" | "baseline" | "segmenter" | "pressure-rss";

export interface ProbeOutcome<T> {
  value: T;
  /** The child's own process.resourceUsage().maxRSS at the end, bytes. */
  peakRssBytes: number;
  /** The last VmHWM the parent read from /proc/<pid>/status, bytes (0 if none). */
  vmHwmBytes: number;
  wallSeconds: number;
}

export interface ProbeOptions {
  env?: NodeJS.ProcessEnv;
  /** Node flags of the child, e.g. --expose-gc or --max-old-space-size=64. */
  execArgv?: string[];
  timeoutMs?: number;
}

interface ProbeMessage {
  ok: boolean;
  value?: unknown;
  error?: string;
  peakRssBytes?: number;
}

const ENTRY = fileURLToPath(new URL("./probe-main.ts", import.meta.url));

export function runProbe<T>(probe: ProbeName, args: unknown, options: ProbeOptions = {}): Promise<ProbeOutcome<T>> {
  const started = performance.now();
  const child = fork(ENTRY, [probe, JSON.stringify(args)], {
    env: options.env ?? process.env,
    execArgv: options.execArgv ?? [],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let vmHwmBytes = 0;
  const sampler = setInterval(() => {
    if (child.pid === undefined) return;
    readFile(`/proc/${child.pid}/status`, "utf8").then(
      (status) => {
        const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
        if (kb) vmHwmBytes = Math.max(vmHwmBytes, Number(kb) * 1024);
      },
      () => {},
    );
  }, 100);
  return new Promise<ProbeOutcome<T>>((resolve, reject) => {
    let message: ProbeMessage | undefined;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`probe ${probe} timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs ?? 15 * 60_000);
    child.on("message", (m) => {
      message = m as ProbeMessage;
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      clearInterval(sampler);
      reject(err);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      clearInterval(sampler);
      if (message?.ok) {
        resolve({ value: message.value as T, peakRssBytes: message.peakRssBytes ?? 0, vmHwmBytes, wallSeconds: (performance.now() - started) / 1000 });
      } else {
        reject(new Error(`probe ${probe} failed (exit ${code ?? signal}): ${message?.error ?? "no result"}`));
      }
    });
  });
}
