// `transcribe` over a backlog that is interrupted, rerun, changed and run twice
// at once: each file's job is found by its content, nothing is submitted or
// transcribed twice, and every run ends with whole transcripts in --out.

import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { RunningService } from "@lingostream/runtime";
import { readJobEvent, type SegmentTranscribed } from "@lingostream/schemas";
import { createStackContext, type StackContext } from "@lingostream/testkit";
import { ROLES, startServices, stopServices } from "@lingostream/worker-host";
import type { Consumer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Summary {
  interrupted: boolean;
  files: { path: string; name: string; jobId?: string; status: string; how?: string; outputs: string[]; message?: string }[];
}

let stack: StackContext;
let dir: string;
let services: RunningService[];
let env: NodeJS.ProcessEnv;
let watch: Consumer;
/** Every SegmentTranscribed and JobRequested seen on this test's topics, in order. */
const results: SegmentTranscribed[] = [];
const requested: string[] = [];

function runTranscribe(args: string[], options: { interruptWhen?: () => boolean } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, "transcribe", ...args, "--json"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const poll = options.interruptWhen
      ? setInterval(() => {
          if (options.interruptWhen?.()) {
            child.kill("SIGINT");
            clearInterval(poll);
          }
        }, 100)
      : undefined;
    child.once("error", reject);
    child.once("exit", (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr });
    });
  });
}

function summaryOf(run: RunResult): Summary {
  return JSON.parse(run.stdout) as Summary;
}

/** Distinct-content media: a tone of its own frequency, silent for a second every 30 s. */
async function makeMedia(path: string, frequency: number, seconds: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const ff = spawn("ffmpeg", [
      "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", `sine=frequency=${frequency}:duration=${seconds}`,
      "-af", "volume=enable='between(mod(t,31),29,30)':volume=0", "-ac", "1", "-ar", "16000", path,
    ]);
    ff.once("error", reject);
    ff.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

function transcribedPerSegment(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.segmentId, (counts.get(r.segmentId) ?? 0) + 1);
  return counts;
}

beforeAll(async () => {
  stack = await createStackContext("resume", { partitions: 2 });
  env = {
    ...stack.env,
    KAFKA_BROKERS: stack.ctx.config.kafkaBrokers.join(","),
    LINGOSTREAM_ASR_ENGINE: "deterministic",
    // 30 s segments cost 1.5 s each: slow enough to interrupt mid-backlog.
    LINGOSTREAM_ASR_DETERMINISTIC_DELAY_MS: "50",
    LINGOSTREAM_ASR_MAX_IN_FLIGHT: "2",
  };
  dir = await mkdtemp(join(tmpdir(), "lingostream-resume-"));
  await mkdir(join(dir, "backlog"));
  for (let i = 0; i < 5; i++) await makeMedia(join(dir, "backlog", `talk-${i}.mp3`), 300 + 40 * i, 95);
  services = await startServices(stack.ctx, ROLES, env);
  watch = stack.ctx.kafka.consumer({ groupId: `${stack.prefix}watch` });
  await watch.connect();
  await watch.subscribe({ topics: [stack.ctx.topics.results, stack.ctx.topics.jobs], fromBeginning: true });
  await watch.run({
    eachMessage: async ({ topic, message }) => {
      if (!message.value) return;
      const value = (await stack.ctx.serde.decode(message.value)).value;
      if (topic === stack.ctx.topics.results) results.push(value as SegmentTranscribed);
      else {
        const ev = readJobEvent(value);
        if (ev.type === "JobRequested") requested.push(ev.event.jobId);
      }
    },
  });
}, 180_000);

afterAll(async () => {
  await watch?.disconnect();
  if (services) await stopServices(services);
  await stack?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("transcribe over a backlog", () => {
  it("interrupted with Ctrl-C exits 130 with one line, and the rerun attaches instead of submitting again", async () => {
    const out = join(dir, "out");
    const first = await runTranscribe([join(dir, "backlog"), "--out", out], { interruptWhen: () => results.length >= 3 });
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(/^interrupted: .*Run the same command again to resume\.$/m);
    expect(first.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(summaryOf(first).interrupted).toBe(true);
    const submittedFirst = requested.length;
    expect(submittedFirst).toBeGreaterThan(0);

    const second = await runTranscribe([join(dir, "backlog"), "--out", out]);
    expect(second.code).toBe(0);
    const summary = summaryOf(second);
    expect(summary.files.map((f) => f.status)).toEqual(Array(5).fill("completed"));
    // Jobs the first run had submitted were attached to (or found done), not requested again.
    expect(requested.length).toBe(5);
    expect(new Set(requested).size).toBe(5);
    expect(summary.files.filter((f) => f.how === "submitted").length).toBe(5 - submittedFirst);
    // Every segment of the 5 files transcribed exactly once across both runs.
    let segments = 0;
    for (let i = 0; i < 5; i++) segments += (JSON.parse(await readFile(join(out, `talk-${i}.json`), "utf8")) as { segments: unknown[] }).segments.length;
    const counts = transcribedPerSegment();
    expect(segments).toBeGreaterThanOrEqual(15);
    expect(counts.size).toBe(segments);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect((await readdir(out)).filter((f) => f.endsWith(".json")).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `talk-${i}.json`));
    expect((await readdir(out)).some((f) => f.includes(".partial"))).toBe(false);

    // A third run finds everything done and writes nothing new.
    const third = await runTranscribe([join(dir, "backlog"), "--out", out]);
    expect(third.code).toBe(0);
    expect(summaryOf(third).files.every((f) => f.how === "done-before")).toBe(true);
    expect(requested.length).toBe(5);
  }, 300_000);

  it("treats identical files as one job with two outputs, a changed file as a new job, and a vanished one as skipped", async () => {
    const src = join(dir, "changes");
    await mkdir(src);
    await copyFile(join(dir, "backlog", "talk-0.mp3"), join(src, "a.mp3"));
    await copyFile(join(dir, "backlog", "talk-0.mp3"), join(src, "a-copy.mp3"));
    await makeMedia(join(src, "b.mp3"), 900, 20);
    const out = join(dir, "out-changes");
    const before = requested.length;
    const first = summaryOf(await runTranscribe([src, "--out", out]));
    const byName = new Map(first.files.map((f) => [f.name, f]));
    expect(byName.get("a")?.jobId).toBe(byName.get("a-copy")?.jobId);
    expect(byName.get("a")?.how).toBe("done-before"); // the same content as talk-0, done above
    expect(byName.get("a-copy")?.outputs.length).toBe(3);
    expect(requested.length).toBe(before + 1); // only b

    await makeMedia(join(src, "b.mp3"), 950, 20); // b changes: a new job
    await unlink(join(src, "a-copy.mp3"));
    const second = await runTranscribe([join(src, "a.mp3"), join(src, "a-copy.mp3"), join(src, "b.mp3"), "--out", out]);
    const files = summaryOf(second).files;
    expect(second.code).toBe(1); // a file given was not transcribed
    expect(files.find((f) => f.path.endsWith("a-copy.mp3"))).toMatchObject({ status: "skipped", message: "no such file or folder" });
    const b = files.find((f) => f.name === "b");
    expect(b?.status).toBe("completed");
    expect(b?.jobId).not.toBe(byName.get("b")?.jobId);
    expect(requested.length).toBe(before + 2);
  }, 300_000);

  it("two runs over the same folder at once transcribe each file once and both end with the outputs", async () => {
    const src = join(dir, "together");
    await mkdir(src);
    for (let i = 0; i < 3; i++) await makeMedia(join(src, `t-${i}.mp3`), 1200 + 50 * i, 62);
    const before = new Set(transcribedPerSegment().keys());
    const [one, two] = await Promise.all([runTranscribe([src, "--out", join(dir, "out-one")]), runTranscribe([src, "--out", join(dir, "out-two")])]);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    for (const out of ["out-one", "out-two"]) {
      expect((await readdir(join(dir, out))).filter((f) => f.endsWith(".json")).sort()).toEqual(["t-0.json", "t-1.json", "t-2.json"]);
    }
    // Both runs ended with every job complete; a duplicate would have come by now or within moments.
    await sleep(3000);
    const fresh = [...transcribedPerSegment()].filter(([id]) => !before.has(id));
    expect(fresh.length).toBeGreaterThanOrEqual(6);
    expect(fresh.filter(([, n]) => n !== 1)).toEqual([]);
  }, 300_000);
});
