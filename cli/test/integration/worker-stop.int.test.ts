// `lingostream worker asr` stopped by SIGTERM while it is still starting: its
// consumer's join is held by a rebalance, as when a fleet starts at once on
// one group. The worker must stop anyway, leaving the group, and exit with its
// documented code and one line, well inside the drain budget; it used to go
// on starting and then run until killed.

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createStackContext, type StackContext, waitFor } from "@lingostream/testkit";
import type { Consumer } from "kafkajs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

/**
 * How long a signalled worker may take to exit before it counts as hung.
 * Nothing is in flight here, so its drain is seconds (the start-up grace is
 * 10 s); the chart gives an asr pod 150 s. Not a speed assertion.
 */
const EXIT_BOUND_MS = 60_000;

interface Worker {
  child: ChildProcess;
  stderrLines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let stack: StackContext;
let env: NodeJS.ProcessEnv;
const workers: Worker[] = [];
const blockers: { consumer: Consumer; release: () => void }[] = [];

beforeAll(async () => {
  stack = await createStackContext("worker-stop");
  env = {
    ...stack.env,
    KAFKA_BROKERS: stack.ctx.config.kafkaBrokers.join(","),
    LINGOSTREAM_ASR_ENGINE: "deterministic",
    LINGOSTREAM_ASR_MAX_IN_FLIGHT: "1",
    // kafkajs's own lines are at debug: the test sees when the consumer starts joining.
    LOG_LEVEL: "debug",
  };
  delete env.LINGOSTREAM_CONFIG_FILE;
});

afterEach(async () => {
  for (const w of workers.splice(0)) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
  for (const b of blockers.splice(0)) {
    b.release();
    await b.consumer.disconnect().catch(() => {});
  }
});

afterAll(async () => {
  await stack?.cleanup();
});

/** `lingostream worker asr` on `groupId`; `onJoining` is called once its ASR consumer starts to join the group. */
function startWorker(groupId: string, onJoining: (w: Worker) => void): Worker {
  const child = spawn(process.execPath, [MAIN, "worker", "asr"], { env: { ...env, LINGOSTREAM_ASR_GROUP: groupId }, stdio: ["ignore", "ignore", "pipe"] });
  const worker: Worker = { child, stderrLines: [], exited: once(child, "exit").then(([code, signal]) => ({ code, signal }) as { code: number | null; signal: NodeJS.Signals | null }) };
  let joining = false;
  let partial = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      worker.stderrLines.push(line);
      if (!joining && line.includes('"msg":"Starting"') && line.includes(`"groupId":"${groupId}"`)) {
        joining = true;
        onJoining(worker);
      }
    }
  });
  workers.push(worker);
  return worker;
}

/**
 * A member of `groupId` busy in a batch, as a consumer with a long segment in
 * hand is: it rejoins only once the batch is over, and a join to the group
 * waits for it until then (or the members' rebalance timeout, 60 s).
 * Resolves once it is in its batch, with what ends the batch.
 */
async function holdRebalances(groupId: string): Promise<{ release: () => void; clientId: string }> {
  const topic = `${stack.prefix}rebalance-holder-${blockers.length}`;
  const admin = stack.ctx.kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const producer = stack.ctx.kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ value: "held" }] });
  await producer.disconnect();

  const consumer = stack.ctx.kafka.consumer({ groupId });
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  blockers.push({ consumer, release });
  let inBatch = false;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async () => {
      inBatch = true;
      await released;
    },
  });
  await waitFor(() => inBatch, "the holding member to be in its batch", 60_000);
  return { release, clientId: (await members(groupId))[0] ?? "" };
}

/** The client ids of the group's members. */
async function members(groupId: string): Promise<string[]> {
  const admin = stack.ctx.kafka.admin();
  await admin.connect();
  try {
    return (await admin.describeGroups([groupId])).groups[0]?.members.map((m) => m.clientId) ?? [];
  } finally {
    await admin.disconnect();
  }
}

async function exitOf(w: Worker) {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<"hung">((r) => (timer = setTimeout(() => r("hung"), EXIT_BOUND_MS)));
  const outcome = await Promise.race([w.exited, hung]).finally(() => clearTimeout(timer));
  if (outcome === "hung") throw new Error(`worker pid ${w.child.pid} still running ${EXIT_BOUND_MS / 1000} s after SIGTERM; its last lines:\n${w.stderrLines.slice(-5).join("\n")}`);
  return outcome;
}

/** What the operator reads: the command's own lines (`lingostream: ...`), not the JSON log. */
const commandLines = (w: Worker) => w.stderrLines.filter((l) => l.startsWith("lingostream:"));

describe("worker asr sent SIGTERM while it joins its group", () => {
  it("stops once the join completes, leaves the group and exits 0: three workers joining at once behind a rebalance", async () => {
    const groupId = `${stack.prefix}asr-joining`;
    const holder = await holdRebalances(groupId);
    let releasing = false;
    const fleet = Array.from({ length: 3 }, () =>
      startWorker(groupId, (w) => {
        w.child.kill("SIGTERM");
        // The busy member finishes its batch 2 s after the first signal, well inside the 10 s start-up grace.
        if (!releasing) setTimeout(holder.release, 2000);
        releasing = true;
      }),
    );

    for (const w of fleet) {
      const exit = await exitOf(w);
      expect(exit, w.stderrLines.slice(-5).join("\n")).toEqual({ code: 0, signal: null });
      expect(commandLines(w)).toEqual([]);
      expect(w.stderrLines.some((l) => l.includes('"msg":"asr processor stopped"'))).toBe(true);
    }
    // Each left the group as it stopped (none waits for a session timeout to be dropped): the busy member is all that is left.
    expect(await members(groupId)).toEqual([holder.clientId]);
  });

  it("gives up on a join that outlasts the start-up grace: exit 130 and one line saying so", async () => {
    const groupId = `${stack.prefix}asr-held`;
    // The busy member stays in its batch: the join cannot finish before the worker gives up on it.
    await holdRebalances(groupId);
    const w = startWorker(groupId, (joining) => joining.child.kill("SIGTERM"));

    const exit = await exitOf(w);
    expect(exit).toEqual({ code: 130, signal: null });
    expect(commandLines(w)).toEqual([
      "lingostream: stopped during start-up: the asr service's start had not finished 10 s after the stop signal, so it was given up on, not drained",
    ]);
  });
});
