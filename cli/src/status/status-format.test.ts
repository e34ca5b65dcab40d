import { describe, expect, it } from "vitest";
import { formatStatus } from "./status-format.ts";
import type { StatusReport } from "./status-model.ts";

const report: StatusReport = {
  at: Date.UTC(2025, 0, 1, 12),
  groups: [
    { group: "lingostream-asr", role: "asr", state: "Stable", members: 1, lag: 42, topics: [{ topic: "asr.segments", lag: 42, partitions: 12, uncommitted: 2 }] },
    { group: "lingostream-segmenter", role: "segmenter", state: "Absent", members: 0, lag: 0, topics: [{ topic: "asr.jobs", lag: 0, partitions: 6, uncommitted: 6 }] },
  ],
  processors: [
    { group: "lingostream-asr", role: "asr", clientId: "lingostream-worker", memberId: "m1", host: "127.0.0.1", partitions: ["asr.segments[0,1]"], level: "HIGH", paused: true, sources: ["box"] },
  ],
  sources: [{ sourceId: "box", host: "box", role: "pressure-monitor", level: "HIGH", usedRatio: 0.834, eventTime: Date.UTC(2025, 0, 1, 11, 59, 58), stale: false }],
  jobs: { since: Date.UTC(2024, 11, 31, 12), requested: 5, segmented: 4, completed: 3, failed: 1, inFlight: 1 },
  deadLetters: 7,
  tenants: [
    { tenant: "acme", jobs: { queued: 2, inFlight: 1, done: 3, failed: 0 }, segments: { waiting: 40, done: 120, failed: 1 }, asrShareLastHour: 0.75 },
    { tenant: "beta", jobs: { queued: 0, inFlight: 1, done: 0, failed: 1 }, segments: { waiting: 5, done: 10, failed: 0 }, asrShareLastHour: 0.25 },
  ],
  tenantJobsUntracked: 0,
};

describe("status table", () => {
  it("names every group with its lag, every processor with level and paused state, and the counts", () => {
    const text = formatStatus(report);
    expect(text).toMatch(/lingostream-asr\s+│ asr\s+│ Stable\s+│ 1\s+│ asr\.segments\s+│ 42 \(2 of 12 partitions not committed yet\)/);
    expect(text).toMatch(/lingostream-segmenter .*Absent.* asr\.jobs\s+│ 0 /);
    expect(text).toMatch(/asr\s+│ lingostream-worker │ 127\.0\.0\.1 │ asr\.segments\[0,1\] │ HIGH\s+│ yes/);
    expect(text).toMatch(/box\s+│ box\s+│ pressure-monitor │ HIGH\s+│ 83\.4%\s+│ 2s ago/);
    expect(text).toContain("5 requested, 1 in flight, 3 completed, 1 failed (4 segmented)");
    expect(text).toContain("Dead letters: 7");
  });

  it("shows per tenant jobs and segments by state and the share of ASR time in the last hour", () => {
    const text = formatStatus(report);
    expect(text).toMatch(/acme\s+│ 2\s+│ 1\s+│ 3\s+│ 0\s+│ 40\s+│ 120\s+│ 1\s+│ 75\.0%/);
    expect(text).toMatch(/beta\s+│ 0\s+│ 1\s+│ 0\s+│ 1\s+│ 5\s+│ 10\s+│ 0\s+│ 25\.0%/);
    expect(formatStatus({ ...report, tenants: [] })).not.toContain("Tenants since");
  });

  it("says so when nothing is connected", () => {
    const text = formatStatus({ ...report, processors: [], sources: [] });
    expect(text).toContain("Processors: none connected");
    expect(text).toContain("Memory sources: none published");
  });
});
