// The `lingostream` command as a user installs it: the tarball infra/image/pack.ts
// makes, installed with npm into an empty folder and run from there alone,
// against the real stack. Nothing of this checkout is on its module path, and
// the @lingostream/source condition the checkout runs with is not set.

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createStackContext, type StackContext, wordErrorRate } from "@lingostream/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SAMPLE = "weather-report";
// PocketSphinx measures 22% (15 of 68 words) on this sample; the bound is for a
// transcript of the right speech, not for the engine's accuracy.
const MAX_WER = 0.4;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): { child: ChildProcess; result: Promise<Run> } {
  const child = spawn(cmd, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const result = once(child, "exit").then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, result };
}

function run(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return start(cmd, args, options).result;
}

describe("lingostream installed from its packed tarball", () => {
  let dir: string;
  let app: string;
  let bin: string;
  let stack: StackContext;
  let env: NodeJS.ProcessEnv;
  let worker: { child: ChildProcess; result: Promise<Run> } | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "lingostream-installable-"));
    const packed = await run(process.execPath, [join(ROOT, "infra/image/pack.ts"), join(dir, "pack")], { cwd: ROOT, env: process.env });
    expect(packed.code, packed.stderr).toBe(0);
    app = join(dir, "app");
    await mkdir(app);
    await writeFile(join(app, "package.json"), `${JSON.stringify({ name: "lingostream-user", private: true })}\n`);
    // Offline: everything the command runs is bundled in the tarball.
    const installed = await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", packed.stdout.trim()], { cwd: app, env: process.env });
    expect(installed.code, installed.stderr).toBe(0);
    bin = join(app, "node_modules", ".bin", "lingostream");

    stack = await createStackContext("installable", { partitions: 2 });
    env = { ...stack.env, KAFKA_BROKERS: stack.ctx.config.kafkaBrokers.join(","), LINGOSTREAM_ASR_ENGINE: "pocketsphinx" };
    delete env.NODE_OPTIONS;
    delete env.LINGOSTREAM_CONFIG_FILE;
  }, 600_000);

  afterAll(async () => {
    worker?.child.kill("SIGKILL");
    await stack?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("prints the packed version", async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, "cli/package.json"), "utf8")) as { version: string };
    const r = await run(bin, ["--version"], { cwd: app, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it("describes the asr worker", async () => {
    const r = await run(bin, ["worker", "asr", "--help"], { cwd: app, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Usage: lingostream worker");
  });

  it("says in one line that the local stack needs a checkout (exit 2)", async () => {
    const r = await run(bin, ["stack", "status"], { cwd: app, env });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("checkout of the lingostream repository");
  });

  it("applies the topic definitions it carries", async () => {
    const r = await run(bin, ["topics", "apply"], { cwd: app, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${stack.prefix}asr.segments `);
  });

  it("runs `worker all`, which transcribes a sample submitted with `transcribe`, building the decoder inside the install", async () => {
    worker = start(bin, ["worker", "all"], { cwd: app, env });
    const out = join(dir, "transcripts");
    const submitted = await run(bin, ["transcribe", join(ROOT, "samples", `${SAMPLE}.mp3`), "--out", out], { cwd: app, env });
    expect(submitted.code, submitted.stderr).toBe(0);

    const transcript = JSON.parse(await readFile(join(out, `${SAMPLE}.json`), "utf8")) as { text: string; failedCount: number };
    expect(transcript.failedCount).toBe(0);
    const spoken = await readFile(join(ROOT, "samples", `${SAMPLE}.txt`), "utf8");
    expect(wordErrorRate(spoken, transcript.text).wer).toBeLessThanOrEqual(MAX_WER);
    // First use compiled ps-decoder into the installed package, not into the checkout's.
    expect(existsSync(join(app, "node_modules/@lingostream/cli/node_modules/@lingostream/asr/native/build/ps-decoder"))).toBe(true);

    worker.child.kill("SIGTERM");
    const stopped = await worker.result;
    expect(stopped.code, stopped.stderr).toBe(0);
  });
});
