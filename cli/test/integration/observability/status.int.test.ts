// `lingostream status` against a running pipeline on the real stack: the
// monitor, sink and ASR processor run; the segmenter does not, so the jobs
// submitted wait in its group's lag. Status names the groups with their lag,
// the processors with the level they obey, the jobs and the dead letters.
// A second monitor speaks for another host name, as a node's monitor does on
// Kubernetes: status calls it local only under that LINGOSTREAM_PRESSURE_HOST.

import type { RunningService } from "@lingostream/runtime";
import { jobEventValue, type SegmentFailed } from "@lingostream/schemas";
import { createStackContext, type StackContext, waitFor } from "@lingostream/testkit";
import { startServices, stopServices } from "@lingostream/worker-host";
import type { Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "../../../src/commands/status.ts";
import type { StatusReport } from "../../../src/status/status-model.ts";

const JOBS = 3;
const DEAD_LETTERS = 2;
/** The .invalid domain never resolves (RFC 6761), so only the name itself can pair this host's sources. */
const NODE_HOST = "node-b.invalid";

describe("lingostream status", () => {
  let stack: StackContext;
  let services: RunningService[] = [];
  let nodeMonitor: RunningService[] = [];
  let producer: Producer;

  beforeAll(async () => {
    stack = await createStackContext("status", { partitions: 2, env: { LINGOSTREAM_ASR_ENGINE: "deterministic" } });
    services = await startServices(stack.ctx, ["monitor", "sink", "asr"], stack.env);
    nodeMonitor = await startServices(stack.another("status-node-monitor"), ["monitor"], { ...stack.env, LINGOSTREAM_PRESSURE_HOST: NODE_HOST });
    const { ctx } = stack;
    producer = ctx.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const now = Date.now();
    for (let i = 0; i < JOBS; i++) {
      const jobId = `status-job-${i}`;
      const value = jobEventValue("JobRequested", {
        tenant: "default",
        jobId,
        source: `s3://nowhere/${jobId}.wav`,
        sourceName: `${jobId}.wav`,
        language: "en",
        engine: "deterministic",
        producerId: "status-test",
        eventTime: now,
      });
      await producer.send({ topic: ctx.topics.jobs, acks: -1, messages: [{ key: jobId, value: await ctx.serde.encode("jobs", value) }] });
    }
    for (let i = 0; i < DEAD_LETTERS; i++) {
      const dead: SegmentFailed = {
        tenant: "default",
        jobId: null,
        segmentId: null,
        segment: null,
        source: { topic: ctx.topics.segments, partition: 0, offset: String(i) },
        errorClass: "malformed",
        message: "written by the status test",
        retryable: false,
        attempt: 1,
        firstFailureTime: now,
        lastFailureTime: now,
        workerId: "status-test",
        producerId: "status-test",
        eventTime: now,
      };
      await producer.send({ topic: ctx.topics.segmentsFailed, acks: -1, messages: [{ key: `dead-${i}`, value: await ctx.serde.encode("segmentsFailed", dead) }] });
    }
  });

  afterAll(async () => {
    await producer?.disconnect();
    await stopServices(nodeMonitor);
    await stopServices(services);
    await stack?.cleanup();
  });

  const statusJson = async (env: NodeJS.ProcessEnv = stack.env): Promise<StatusReport> => {
    let out = "";
    await status({ json: true, since: "1h" }, env, (text) => {
      out += text;
    });
    return JSON.parse(out) as StatusReport;
  };

  it("names every group with its lag, the processors with their level, jobs and dead letters (--json)", async () => {
    // Groups settle a few seconds after start; the monitor's first sample is immediate.
    const report = await waitFor(
      async () => {
        const r = await statusJson();
        const stable = r.groups.filter((g) => g.state === "Stable" && g.members > 0).length === 2;
        const leveled = r.processors.length >= 2 && r.processors.every((p) => p.level !== undefined);
        return stable && leveled && r.jobs.requested === JOBS ? r : undefined;
      },
      "asr and sink groups stable with members that have a memory level",
      90_000,
      1000,
    );
    const group = (role: string) => report.groups.find((g) => g.role === role)!;
    expect(group("asr")).toMatchObject({ group: `${stack.prefix}asr`, state: "Stable", members: 1 });
    expect(group("sink")).toMatchObject({ group: `${stack.prefix}sink`, state: "Stable", members: 1 });
    // The segmenter never ran: every submitted job waits in its lag.
    expect(group("segmenter")).toMatchObject({ group: `${stack.prefix}segmenter`, state: "Absent", members: 0, lag: JOBS });
    expect(group("segmenter").topics).toEqual([{ topic: `${stack.prefix}asr.jobs`, lag: JOBS, partitions: 2, uncommitted: 2 }]);
    expect(group("sink").topics.map((t) => t.topic)).toEqual([`${stack.prefix}asr.results`, `${stack.prefix}asr.jobs`, `${stack.prefix}asr.segments.failed`]);

    const roles = report.processors.map((p) => p.role).sort();
    expect(roles).toEqual(["asr", "sink"]);
    for (const p of report.processors) {
      expect(p.clientId).toMatch(/^lingostream/);
      expect(["LOW", "MODERATE", "HIGH", "CRITICAL"]).toContain(p.level);
      expect(p.paused).toBe(p.level === "HIGH" || p.level === "CRITICAL");
      expect(p.sources.length).toBeGreaterThan(0);
    }
    const asr = report.processors.find((p) => p.role === "asr")!;
    expect(asr.partitions).toEqual([`${stack.prefix}asr.segments[0,1]`]);
    expect(report.sources.length).toBeGreaterThan(0);
    expect(report.sources.every((s) => !s.stale)).toBe(true);

    expect(report.jobs).toMatchObject({ requested: JOBS, inFlight: JOBS, completed: 0 });
    expect(report.deadLetters).toBe(DEAD_LETTERS);
  });

  it("calls local the sources of its LINGOSTREAM_PRESSURE_HOST, as the monitor and workers of one node pair by it", async () => {
    const { LINGOSTREAM_PRESSURE_HOST: _, ...unset } = stack.env;
    const asNode = await waitFor(
      async () => {
        const r = await statusJson({ ...unset, LINGOSTREAM_PRESSURE_HOST: NODE_HOST });
        return r.processors.length >= 2 && r.sources.some((s) => s.host === NODE_HOST && !s.stale) ? r : undefined;
      },
      `both processors listed and a fresh source of ${NODE_HOST}`,
      90_000,
      1000,
    );
    for (const p of asNode.processors) expect(p.sources).toContain(NODE_HOST);

    // Unset, the host is os.hostname(): the node monitor's source is listed but no processor here obeys it.
    const asHostname = await statusJson(unset);
    expect(asHostname.sources.map((s) => s.sourceId)).toContain(NODE_HOST);
    expect(asHostname.processors.length).toBeGreaterThanOrEqual(2);
    for (const p of asHostname.processors) expect(p.sources).not.toContain(NODE_HOST);
  });

  it("prints the same as tables for people", async () => {
    let out = "";
    await status({ since: "1h" }, stack.env, (text) => {
      out += text;
    });
    expect(out).toContain("Consumer groups");
    expect(out).toMatch(new RegExp(`${stack.prefix.replaceAll(".", "\\.")}segmenter\\s+│ segmenter\\s+│ Absent\\s+│ 0\\s+│ ${stack.prefix.replaceAll(".", "\\.")}asr\\.jobs\\s+│ ${JOBS} `));
    expect(out).toMatch(/Processors \(level:/);
    expect(out).toMatch(/│ asr\s+│ lingostream/);
    expect(out).toContain(`${JOBS} requested, ${JOBS} in flight`);
    expect(out).toContain(`Dead letters: ${DEAD_LETTERS}`);
  });
});
