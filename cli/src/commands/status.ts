// `lingostream status`: consumer lag per group and topic, each processor with
// the memory level it obeys, jobs of the last day, dead letters. A table for
// people, --json for scripts.

import { connectionSpec, type Env, loadConfig, loadPressureHost } from "@lingostream/runtime";
import { topicNames } from "@lingostream/schemas";
import { type WatchedGroup, watchedGroups } from "@lingostream/worker-host";
import type { Command } from "commander";
import { withCommandContext } from "../command-context.ts";
import { CLI_VERSION, commandEnv } from "../global-options.ts";
import { addJsonOption, jsonText } from "../output-options.ts";
import { readStatus } from "../status/read-status.ts";
import { formatStatus } from "../status/status-format.ts";
import type { StatusReport } from "../status/status-model.ts";
import { parseTimePoint } from "../time-args.ts";
import { addExamples, checkArgs } from "../usage.ts";

export interface StatusOptions {
  json?: boolean;
  since: string;
}

export function registerStatusCommand(program: Command): void {
  const cmd = program
    .command("status")
    .description("consumer lag, processors and their memory level, jobs in flight, dead letters")
    .option("--since <time>", "count job events from this time: a duration ago (24h) or an ISO date-time", "24h");
  addJsonOption(cmd);
  addExamples(cmd, ["lingostream status", "lingostream status --since 1h --json | jq '.groups[] | {group, lag}'", "lingostream -b kafka-1:9092 status"]);
  cmd.action(async (opts: StatusOptions, command: Command) => {
    const env = commandEnv(command);
    checkArgs(command, () => statusArgs(opts, env, Date.now()));
    await status(opts, env, (text) => process.stdout.write(text));
  });
}

/** Everything status needs that can be wrong without a cluster: checked before connecting. */
function statusArgs(opts: StatusOptions, env: Env, now: number): { since: number; groups: WatchedGroup[]; pressureHost: string } {
  const since = parseTimePoint(opts.since, now, "--since");
  // The same host the monitor and workers on this machine put on and match in pressure events.
  return { since, groups: watchedGroups(env, topicNames(loadConfig(connectionSpec, env).topicPrefix)), pressureHost: loadPressureHost(env) };
}

export async function status(opts: StatusOptions, env: Env, write: (text: string) => void, now = Date.now()): Promise<StatusReport> {
  const args = statusArgs(opts, env, now);
  return withCommandContext("status", env, async (ctx) => {
    const report = await readStatus(ctx, { ...args, now });
    write(opts.json ? jsonText({ version: CLI_VERSION, ...report }) : formatStatus(report));
    return report;
  });
}
