// `lingostream status`: consumer lag per group and topic, each processor with
// the memory level it obeys, jobs of the last day, dead letters. A table for
// people, --json for scripts.

import type { Command } from "commander";
import { connectionSpec, createLogger, createServiceContext, loadConfig, type Env } from "@lingostream/runtime";
import { parseTimePoint } from "../pressure-report/time-args.ts";
import { readStatus } from "../status/read-status.ts";
import { formatStatus } from "../status/status-format.ts";
import type { StatusReport } from "../status/status-model.ts";
import { watchedGroups } from "../status/watched-groups.ts";

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
  const logger = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel });
  const ctx = createServiceContext(config, logger, { role: "status" });
  try {
    const report = await readStatus(ctx, { groups: watchedGroups(env, ctx.topics), since, now });
    write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
    return report;
  } finally {
    ctx.store.close();
  }
}
