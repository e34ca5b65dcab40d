import { describe, expect, it } from "vitest";
import { replyError } from "./decoder-exchange.ts";

describe("replyError", () => {
  it("reads an unclassified error reply as about the audio: a decode error, not retried", () => {
    expect(replyError("ps-decoder", "ps_end_utt failed")).toMatchObject({
      errorClass: "decode",
      retriable: false,
      message: "ps-decoder: ps_end_utt failed",
    });
  });

  it("retries a process-level failure and never a setup problem", () => {
    expect(replyError("whisper-decoder", "MemoryError", "engine")).toMatchObject({ errorClass: "engine", retriable: true });
    expect(replyError("whisper-decoder", "no model", "config")).toMatchObject({ errorClass: "engine", retriable: false });
    expect(replyError("whisper-decoder", "English-only", "decode")).toMatchObject({ errorClass: "decode", retriable: false });
  });
});
