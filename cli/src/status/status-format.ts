// `lingostream status` for people: one table each for consumer groups,
// processors and memory sources, then job and dead-letter counts.

import Table from "cli-table3";
import { formatDuration } from "../time-args.ts";
import type { StatusReport } from "./status-model.ts";

// No rule between body rows: a status fits more on a screen.
const COMPACT = { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" };
const table = (head: string[]) => new Table({ head, chars: COMPACT, style: { head: [], border: [] } });

export function formatStatus(report: StatusReport): string {
  const out: string[] = [];
  const groups = table(["group", "role", "state", "members", "topic", "lag"]);
  for (const g of report.groups) {
    g.topics.forEach((t, i) => {
      const lag = t.uncommitted > 0 && t.lag > 0 ? `${t.lag} (${t.uncommitted} of ${t.partitions} partitions not committed yet)` : String(t.lag);
      groups.push(i === 0 ? [g.group, g.role, g.state, String(g.members), t.topic, lag] : ["", "", "", "", t.topic, lag]);
    });
  }
  out.push(`Consumer groups\n${groups.toString()}`);

  if (report.processors.length === 0) {
    out.push("Processors: none connected");
  } else {
    const processors = table(["role", "client", "host", "partitions", "level", "paused"]);
    for (const p of report.processors) {
      processors.push([p.role, p.clientId, p.host, p.partitions.join(" ") || "-", p.level ?? "unknown", p.paused === undefined ? "?" : p.paused ? "yes" : "no"]);
    }
    out.push(`Processors (level: the worst fresh memory source on their host; HIGH and CRITICAL pause consumption)\n${processors.toString()}`);
  }

  if (report.sources.length === 0) {
    out.push("Memory sources: none published (is a pressure monitor running?)");
  } else {
    const sources = table(["source", "host", "role", "level", "used", "last sample"]);
    for (const s of report.sources) {
      const age = `${formatDuration(Math.max(0, report.at - s.eventTime))} ago${s.stale ? " (stale)" : ""}`;
      sources.push([s.sourceId, s.host, s.role, s.level, `${(s.usedRatio * 100).toFixed(1)}%`, age]);
    }
    out.push(`Memory sources\n${sources.toString()}`);
  }

  const j = report.jobs;
  out.push(
    `Jobs since ${new Date(j.since).toISOString()}: ${j.requested} requested, ${j.inFlight} in flight, ${j.completed} completed, ${j.failed} failed (${j.segmented} segmented)\n` +
      `Dead letters: ${report.deadLetters} on the failed-segments topic`,
  );
  if (report.tenants.length > 0) {
    const tenants = table(["tenant", "jobs queued", "in flight", "done", "failed", "segments waiting", "done", "failed", "ASR time, last hour"]);
    for (const t of report.tenants) {
      tenants.push([
        t.tenant,
        String(t.jobs.queued),
        String(t.jobs.inFlight),
        String(t.jobs.done),
        String(t.jobs.failed),
        String(t.segments.waiting),
        String(t.segments.done),
        String(t.segments.failed),
        `${(t.asrShareLastHour * 100).toFixed(1)}%`,
      ]);
    }
    const untracked = report.tenantJobsUntracked > 0 ? `; ${report.tenantJobsUntracked} jobs beyond the tally's limit not counted` : "";
    out.push(
      `Tenants since ${new Date(j.since).toISOString()} (segments waiting: published, not yet transcribed or dead-lettered, so queued or on an engine; ASR time: engine time of results in the last hour${untracked})\n${tenants.toString()}`,
    );
  }
  return `${out.join("\n\n")}\n`;
}
