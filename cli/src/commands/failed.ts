// `lingostream failed list`: the dead letters of asr.segments.failed grouped by
// job and error class, each segment marked open, replayed or resolved. One
// bounded pass over the topic (to the end offsets seen at start), counts only.

import type { ServiceContext } from "@lingostream/runtime";
import { readJobEvent, type SegmentFailed, type SegmentTranscribed } from "@lingostream/schemas";
import type { Command } from "commander";
import { withCommandContext } from "../command-context.ts";
import { type FilterArgs, parseFilter } from "../dead-letter-args.ts";
import { DEFAULT_REPORT_LIMITS, type FailedGroup, FailedReport, type FailedReportLimits } from "../dead-letters/failed-report.ts";
import { matchesFilter } from "../dead-letters/filter.ts";
import { commandEnv } from "../global-options.ts";
import { addJsonOption, jsonText } from "../output-options.ts";
import { scanEvents } from "../topic-scan/topic-scan.ts";
import { addExamples, checkArgs } from "../usage.ts";

export interface FailedListOptions extends FilterArgs {
  json?: boolean;
  /** false skips the scans of asr.results and asr.jobs that mark segments resolved or replayed. */
  resolve?: boolean;
}

export interface FailedListResult {
  groups: FailedGroup[];
  totals: { deadLetters: number; segments: number; open: number; replayed: number; resolved: number; untracked: number };
  scanned: { deadLetters: number; results: number; jobEvents: number; undecodable: number; incomplete: string[] };
  /** Jobs folded into "(other jobs)" groups past the group cap. */
  foldedGroups: number;
}

export function registerFailedCommands(program: Command): void {
  const failed = program.command("failed").description("inspect dead letters (asr.segments.failed)");
  addExamples(failed, ["lingostream failed list"]);
  const list = failed
    .command("list")
    .description("dead letters grouped by job and error class, with counts; segments transcribed or replayed since are shown as such")
    .option("--job <id>", "only this job")
    .option("--tenant <tenant>", "only this tenant")
    .option("--error-class <class>", "only this error class (decode, engine, timeout, oversize, corrupt, malformed, unknown)")
    .option("--no-resolve", "skip reading asr.results and asr.jobs (faster on long result logs; every segment shows as open)");
  addJsonOption(list);
  addExamples(list, ["lingostream failed list", "lingostream failed list --error-class timeout --tenant acme", "lingostream failed list --json | jq '.totals.open'"]);
  list.action(async (opts: FailedListOptions, command: Command) => {
    checkArgs(command, () => parseFilter(opts, Date.now()));
    await withCommandContext("failed", commandEnv(command), async (ctx) => {
      const result = await listFailed(ctx, opts);
      process.stdout.write(opts.json ? jsonText(result) : formatFailedList(result));
    });
  });
}

export async function listFailed(ctx: ServiceContext, opts: FailedListOptions, limits: FailedReportLimits = DEFAULT_REPORT_LIMITS): Promise<FailedListResult> {
  const filter = parseFilter(opts, Date.now());
  const report = new FailedReport(limits);
  const scanned = { deadLetters: 0, results: 0, jobEvents: 0, undecodable: 0, incomplete: [] as string[] };
  const failedScan = await scanEvents(ctx, [ctx.topics.segmentsFailed], ({ value }) => {
    const letter = value as SegmentFailed;
    if (!matchesFilter(letter, filter)) return;
    scanned.deadLetters++;
    report.addDeadLetter(letter);
  });
  scanned.undecodable += failedScan.undecodable;
  scanned.incomplete.push(...failedScan.incomplete);

  if (opts.resolve !== false && report.trackedSegments > 0) {
    // Results are keyed by job and dead letters by segment, so they meet only here;
    // the tracked-segment map is what bounds this pass, not the result log.
    const followUp = await scanEvents(ctx, [ctx.topics.results, ctx.topics.jobs], ({ topic, value }) => {
      if (topic === ctx.topics.results) {
        scanned.results++;
        const r = value as SegmentTranscribed;
        if (report.has(r.segmentId)) report.addResult(r.segmentId, r.eventTime);
        return;
      }
      scanned.jobEvents++;
      let event: ReturnType<typeof readJobEvent>;
      try {
        event = readJobEvent(value);
      } catch {
        return;
      }
      if (event.type === "SegmentsReplayed") report.addReplay(event.event);
    });
    scanned.undecodable += followUp.undecodable;
    scanned.incomplete.push(...followUp.incomplete);
  }

  const groups = report.rows();
  const totals = { deadLetters: 0, segments: 0, open: 0, replayed: 0, resolved: 0, untracked: 0 };
  for (const g of groups) {
    totals.deadLetters += g.deadLetters;
    totals.segments += g.segments;
    totals.open += g.open;
    totals.replayed += g.replayed;
    totals.resolved += g.resolved;
    totals.untracked += g.untracked;
  }
  return { groups, totals, scanned, foldedGroups: report.foldedGroups };
}

export function formatFailedList(result: FailedListResult): string {
  if (result.groups.length === 0) return "no dead letters match\n";
  const header = ["TENANT", "JOB", "ERROR CLASS", "DEAD LETTERS", "SEGMENTS", "OPEN", "REPLAYED", "RESOLVED"];
  const rows = result.groups.map((g) => [
    g.tenant,
    g.jobId,
    g.errorClass,
    String(g.deadLetters),
    String(g.segments + g.untracked),
    String(g.open + g.untracked),
    String(g.replayed),
    String(g.resolved),
  ]);
  const t = result.totals;
  rows.push(["", "total", "", String(t.deadLetters), String(t.segments + t.untracked), String(t.open + t.untracked), String(t.replayed), String(t.resolved)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `${cells.map((c, i) => (i >= 3 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd()}\n`;
  let out = line(header) + rows.map(line).join("");
  if (t.untracked > 0) out += `${t.untracked} segments past the tracking cap are counted as open without de-duplication\n`;
  if (result.foldedGroups > 0) out += `jobs past the group cap are folded into "(other jobs)" rows\n`;
  if (result.scanned.undecodable > 0) out += `${result.scanned.undecodable} records could not be decoded and were not counted\n`;
  if (result.scanned.incomplete.length > 0) out += `warning: stopped before the end of ${result.scanned.incomplete.join(", ")}\n`;
  out += "replay with: lingostream replay [--job ID] [--tenant T] [--error-class C]\n";
  return out;
}
