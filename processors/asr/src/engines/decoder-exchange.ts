// The two exchanges with a decoder child (await its ready line, then one
// request/reply) under a deadline and the caller's AbortSignal. Whenever the
// outcome leaves the reply stream in doubt, the child is killed: a decoder
// that is not known to be in sync must never serve another request.

import { errorMessage } from "@lingostream/runtime";
import { DecoderExitedError, type DecoderProcess } from "./decoder-process.ts";
import { parseDecoderLine } from "./decoder-protocol.ts";
import type { EngineWord } from "./engine.ts";
import { abortError, EngineError } from "./errors.ts";

interface Deadline {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

async function exchange<T>(
  proc: DecoderProcess,
  { timeoutMs, signal }: Deadline,
  what: string,
  body: () => Promise<T>,
): Promise<T> {
  if (signal?.aborted) throw abortError(signal);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill();
  }, timeoutMs);
  const onAbort = (): void => proc.kill();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof EngineError && err.errorClass === "decode")) proc.kill();
    if (signal?.aborted) throw abortError(signal);
    if (timedOut) throw new EngineError("timeout", `${what} took longer than ${timeoutMs} ms`, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/** Waits for the model to load; resolves to the load time the decoder reports. */
export function awaitDecoderReady(proc: DecoderProcess, deadline: Deadline): Promise<number> {
  return exchange(proc, deadline, `starting ${proc.label} and loading its model`, async () => {
    let line: string;
    try {
      line = await proc.readLine();
    } catch (err) {
      // Dying before the ready line means a broken install, not bad luck.
      throw new EngineError("engine", errorMessage(err), {
        retriable: false,
        cause: err,
      });
    }
    const reply = parseDecoderLine(line);
    if (reply.kind === "ready") return reply.loadMs;
    if (reply.kind === "error") {
      throw new EngineError("engine", `${proc.label} failed to start: ${reply.message}`, { retriable: false });
    }
    throw new EngineError("engine", `${proc.label} replied before announcing it was ready`, { retriable: false });
  });
}

export interface DecoderReply {
  words: EngineWord[];
  text: string;
  /** Language the decoder transcribed, where it says (whisper). */
  language?: string;
}

/**
 * Sends one segment and reads its reply. `options` is a frame sent before the
 * audio (whisper_decoder.py's per-request settings); `last` also asks the child
 * to exit.
 */
export function decodeWithProcess(
  proc: DecoderProcess,
  pcm: Buffer,
  deadline: Deadline & { last?: boolean; options?: Buffer },
): Promise<DecoderReply> {
  const seconds = (pcm.length / 2 / 16_000).toFixed(1);
  return exchange(proc, deadline, `decoding ${seconds} s of audio`, async () => {
    if (deadline.options) proc.send(deadline.options, pcm);
    else proc.send(pcm);
    if (deadline.last) proc.endInput();
    let line: string;
    try {
      line = await proc.readLine();
    } catch (err) {
      if (err instanceof DecoderExitedError) {
        throw new EngineError("engine", `${err.message} while decoding`, { retriable: true, cause: err });
      }
      throw err;
    }
    const reply = parseDecoderLine(line);
    if (reply.kind === "result") {
      return reply.language === undefined
        ? { words: reply.words, text: reply.text }
        : { words: reply.words, text: reply.text, language: reply.language };
    }
    if (reply.kind === "error") throw replyError(proc.label, reply.message, reply.errorClass);
    throw new EngineError("engine", `unexpected ready line from ${proc.label}`, { retriable: false });
  });
}

/**
 * An error reply as an EngineError. Unless the decoder says otherwise it is
 * about the audio: decoding is deterministic, so the same audio would fail the
 * same way. A process-level failure is retriable on a fresh decoder (exchange
 * kills this one); a setup problem is not.
 */
export function replyError(label: string, message: string, errorClass?: "decode" | "engine" | "config"): EngineError {
  if (errorClass === "engine") return new EngineError("engine", `${label}: ${message}`, { retriable: true });
  if (errorClass === "config") return new EngineError("engine", `${label}: ${message}`, { retriable: false });
  return new EngineError("decode", `${label}: ${message}`);
}
