import { PipelineError } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { DecoderExitedError } from "./decoder-process.ts";

describe("DecoderExitedError", () => {
  it("is an engine PipelineError, retriable when the decoder died (a fresh one may serve)", () => {
    const died = new DecoderExitedError("ps-decoder was killed by SIGKILL", null, "SIGKILL");
    expect(died).toBeInstanceOf(PipelineError);
    expect(died).toMatchObject({ name: "DecoderExitedError", code: "engine", retriable: true, exitCode: null, signal: "SIGKILL" });
  });

  it("is not retriable when the decoder could not start: the next spawn fails the same way", () => {
    const enoent = Object.assign(new Error("spawn ps-decoder ENOENT"), { code: "ENOENT" });
    const notStarted = new DecoderExitedError("ps-decoder could not start: spawn ps-decoder ENOENT", null, null, enoent);
    expect(notStarted).toMatchObject({ code: "engine", retriable: false, cause: enoent });
  });
});
