// One running decoder child (ps-decoder, whisper_decoder.py): line-oriented
// replies, framed requests, and a shutdown that cannot leave the process
// behind. Policy (timeouts, respawn, queueing) belongs to the engines that own it.

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { errorMessage, PipelineError } from "@lingostream/runtime";
import { DECODER_EXIT_FRAME, encodeDecoderHeader } from "./decoder-protocol.ts";

export interface DecoderProcessOptions {
  binary: string;
  /** Arguments, e.g. extra PocketSphinx flags ["-lw", "10"]. */
  args?: readonly string[];
  /** ps-decoder only: directory with en-us/, en-us.lm.bin and cmudict-en-us.dict. */
  modelDir?: string;
  /** Variables added to the inherited environment. */
  env?: Readonly<Record<string, string>>;
  /** Names the decoder in errors; default "ps-decoder". */
  label?: string;
}

/**
 * The decoder child is gone. One that died may be replaced by a fresh one, so
 * that is retriable; one that could not start (`cause`: ENOENT, EACCES) will
 * not start the next time either. The exchanges say what it means for a segment.
 */
export class DecoderExitedError extends PipelineError {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;

  constructor(message: string, exitCode: number | null, signal: NodeJS.Signals | null, cause?: unknown) {
    super("engine", message, { cause, retriable: cause === undefined });
    this.name = "DecoderExitedError";
    this.exitCode = exitCode;
    this.signal = signal;
  }
}

interface LineWaiter {
  resolve(line: string): void;
  reject(err: Error): void;
}

const STDERR_TAIL_CHARS = 2000;

function unref(stream: unknown): void {
  (stream as { unref?: () => void }).unref?.();
}

export class DecoderProcess {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: string[] = [];
  readonly #waiters: LineWaiter[] = [];
  #partial = "";
  #stderrTail = "";
  #exitError: DecoderExitedError | undefined;
  /** Names the decoder in errors. */
  readonly label: string;
  /** Settles once the child is gone and reaped; never rejects. */
  readonly exited: Promise<void>;

  constructor(options: DecoderProcessOptions) {
    this.label = options.label ?? "ps-decoder";
    const env = { ...process.env, ...options.env, ...(options.modelDir ? { PS_MODEL_DIR: options.modelDir } : {}) };
    this.#child = spawn(options.binary, [...(options.args ?? [])], { stdio: "pipe", env });
    const child = this.#child;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => this.#onStdout(chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      this.#stderrTail = (this.#stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    // EPIPE when the child dies mid-write; the close handler reports the death.
    child.stdin.on("error", () => {});
    this.exited = new Promise<void>((resolve) => {
      child.once("close", (code, signal) => {
        this.#markExited(code, signal);
        resolve();
      });
      // A failed spawn (ENOENT, EACCES) may never emit close.
      child.once("error", (err) => {
        if (child.pid !== undefined) return;
        this.#markExited(null, null, err);
        resolve();
      });
    });
    // An idle decoder must not keep Node alive; if the parent exits, the child
    // sees EOF on stdin and exits by itself.
    child.unref();
    unref(child.stdin);
    unref(child.stdout);
    unref(child.stderr);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get alive(): boolean {
    return this.#exitError === undefined;
  }

  /** Next reply line; rejects with DecoderExitedError if the child dies first. */
  readLine(): Promise<string> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#exitError) return Promise.reject(this.#exitError);
    return new Promise<string>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** One request: each payload as a length-prefixed frame, in order. */
  send(...payloads: Buffer[]): void {
    if (!this.alive || !this.#child.stdin.writable) return;
    for (const payload of payloads) {
      this.#child.stdin.write(encodeDecoderHeader(payload.length));
      this.#child.stdin.write(payload);
    }
  }

  /** Asks the child to exit once queued requests are answered. */
  endInput(): void {
    if (this.alive && this.#child.stdin.writable) this.#child.stdin.end(DECODER_EXIT_FRAME);
  }

  kill(): void {
    if (this.alive) this.#child.kill("SIGKILL");
  }

  /** Graceful exit via the zero-length frame, SIGKILL after graceMs. */
  async shutdown(graceMs: number): Promise<void> {
    if (!this.alive) return this.exited;
    this.endInput();
    const timer = setTimeout(() => this.kill(), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  #onStdout(chunk: string): void {
    this.#partial += chunk;
    let newline = this.#partial.indexOf("\n");
    while (newline >= 0) {
      const line = this.#partial.slice(0, newline).trim();
      this.#partial = this.#partial.slice(newline + 1);
      if (line) {
        const waiter = this.#waiters.shift();
        if (waiter) waiter.resolve(line);
        else this.#lines.push(line);
      }
      newline = this.#partial.indexOf("\n");
    }
  }

  #markExited(code: number | null, signal: NodeJS.Signals | null, cause?: unknown): void {
    if (this.#exitError) return;
    const how = cause
      ? `could not start: ${errorMessage(cause)}`
      : signal
        ? `was killed by ${signal}`
        : `exited with code ${code}`;
    const stderr = this.#stderrTail.trim();
    this.#exitError = new DecoderExitedError(
      `${this.label} ${how}${stderr ? `; stderr: ${stderr}` : ""}`,
      code,
      signal,
      cause,
    );
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#exitError);
  }
}
