// `lingostream status`: consumer lag per group and topic, each processor with
// the memory level it obeys, jobs of the last day, dead letters. A table for
// people, --json for scripts.

import type { Command } from "commander";
import { connectionSpec, createLogger, createServiceContext, loadConfig, type Env } from "@lingostream/runtime";
import { parseTimePoint } from "../pressure-report/time-args.ts";
import { loadServiceConfigs } from "../services.ts";
import { readStatus, type WatchedGroup } from "../status/read-status.ts";
import { formatStatus } from "../status/status-format.ts";
import type { StatusReport } from "../status/status-model.ts";

export interface StatusOptions {
  json?: boolean;
  since: string;
}

export function registerStatusCommand(program: Command): void {
  program
    .command("status")
    .description("consumer lag, processors and their memory level, jobs in flight, dead letters")
    .option("--json", "print JSON for scripts instead of tables")
    .option("--since <time>", "count job events from this time: a duration ago (24h) or an ISO date-time", "24h")
    .action(async (opts: StatusOptions) => {
      await status(opts, process.env, (text) => process.stdout.write(text));
    });
}

export async function status(opts: StatusOptions, env: Env, write: (text: string) => void, now = Date.now()): Promise<StatusReport> {
  const since = parseTimePoint(opts.since, now, "--since");
  const config = loadConfig(connectionSpec, env);
  const services = loadServiceConfigs(env);
  const logger = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel });
  const ctx = createServiceContext(config, logger, { role: "status" });
  const t = ctx.topics;
  // The groups and the topics each reads, as the services subscribe them.
  const groups: WatchedGroup[] = [
    { group: services.segmenter.groupId, role: "segmenter", topics: [t.jobs] },
    { group: services.asr.groupId, role: "asr", topics: [t.segments] },
    { group: services.sink.groupId, role: "sink", topics: [t.results, t.jobs, t.segmentsFailed] },
  ];
  try {
    const report = await readStatus(ctx, { groups, since, now });
    write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
    return report;
  } finally {
    ctx.store.close();
  }
}
