// What `lingostream worker all --metrics-port N` serves, on the real stack:
// every service started in-process on one registry, /metrics exposing the
// named series (default process metrics, segments, latency, in flight, paused,
// levels, memory, sink buffer, leaked handles, lag, dead letters), health and
// readiness, and every series the alert rules and the dashboard read.

import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type RunningService, serveMetrics } from "@lingostream/runtime";
import { createStackContext, type StackContext } from "@lingostream/testkit";
import { type ClusterMetrics, ROLES, startClusterMetrics, startServices, stopServices, watchedGroups } from "@lingostream/worker-host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

const NAMED_SERIES = [
  // default metrics
  "lingostream_process_resident_memory_bytes",
  "lingostream_process_cpu_seconds_total",
  "lingostream_nodejs_heap_size_used_bytes",
  "lingostream_nodejs_eventloop_lag_p99_seconds",
  // segments processed and failed, latency, in flight, paused
  "lingostream_asr_segments_processed_total",
  "lingostream_asr_segments_failed_total",
  "lingostream_asr_segment_duration_seconds",
  "lingostream_sink_flush_duration_seconds",
  "lingostream_asr_segments_in_flight",
  "lingostream_asr_paused",
  "lingostream_worker_memory_paused",
  // levels and memory gauges
  "lingostream_worker_memory_level",
  "lingostream_monitor_level",
  "lingostream_monitor_used_ratio",
  "lingostream_monitor_used_bytes",
  "lingostream_monitor_limit_bytes",
  "lingostream_worker_handles_live_bytes",
  // sink buffer, leaked handles
  "lingostream_sink_buffer_bytes",
  "lingostream_worker_handles_leaked_total",
  // cluster
  "lingostream_cluster_consumer_lag_messages",
  "lingostream_cluster_dead_letters_messages",
];

const ROOT = new URL("../../../../", import.meta.url).pathname;

describe("worker metrics endpoint", () => {
  let stack: StackContext;
  let services: RunningService[] = [];
  let server: Server;
  let cluster: ClusterMetrics;
  let base: string;

  beforeAll(async () => {
    stack = await createStackContext("metrics", { partitions: 2, env: { LINGOSTREAM_ASR_ENGINE: "deterministic" } });
    services = await startServices(stack.ctx, ROLES, stack.env);
    // As `worker --metrics-port` does: the process's one registry, cluster series added.
    server = await serveMetrics(stack.ctx.metrics, 0, { ready: () => true });
    cluster = startClusterMetrics(stack.ctx, stack.ctx.metrics, watchedGroups(stack.env, stack.ctx.topics));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await cluster?.stop();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await stopServices(services);
    await stack?.cleanup();
  });

  const metricsText = async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    return res.text();
  };
  const declared = (text: string) => new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));

  it("exposes the named series", async () => {
    const names = declared(await metricsText());
    expect(NAMED_SERIES.filter((n) => !names.has(n))).toEqual([]);
  });

  it("gives the cluster series values: lag per group and topic, dead letters", async () => {
    const text = await metricsText();
    expect(text).toMatch(new RegExp(`^lingostream_cluster_consumer_lag_messages\\{group="${stack.prefix.replaceAll(".", "\\.")}asr",topic="${stack.prefix.replaceAll(".", "\\.")}asr\\.segments"\\} \\d+$`, "m"));
    expect(text).toMatch(/^lingostream_cluster_dead_letters_messages\{topic="[^"]+"\} 0$/m);
    expect(text).toMatch(/^lingostream_monitor_used_ratio \d/m);
  });

  it("answers /healthz and /readyz with 200", async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });

  it("serves every series the alert rules and the dashboard read", async () => {
    const names = declared(await metricsText());
    const exprs = [
      ...(parse(readFileSync(`${ROOT}infra/prometheus/alerts.yml`, "utf8")) as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.expr)),
      ...(JSON.parse(readFileSync(`${ROOT}infra/grafana/dashboards/lingostream.json`, "utf8")) as { panels: { targets?: { expr: string }[] }[] }).panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ];
    const read = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(lingostream_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ""))));
    expect(read.size).toBeGreaterThan(15);
    expect([...read].filter((n) => !names.has(n))).toEqual([]);
  });
});
