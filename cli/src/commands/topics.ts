// `lingostream topics apply`: create or update the topics of infra/topics.

import {
  applyTopics,
  classifyKafkaError,
  type Env,
  loadConfig,
  loadTopicSpecs,
  type TopicChange,
  topicPartitionsSpec,
  withConfiguredPartitions,
} from "@lingostream/runtime";
import type { Command } from "commander";
import { withCommandContext } from "../command-context.ts";
import { commandEnv } from "../global-options.ts";
import { addJsonOption, jsonText } from "../output-options.ts";
import { addExamples } from "../usage.ts";

export async function applyConfiguredTopics(env: Env, options: { prefix?: string } = {}): Promise<TopicChange[]> {
  return withCommandContext("admin", env, async (ctx) => {
    const admin = ctx.kafka.admin();
    try {
      await admin.connect();
      const specs = withConfiguredPartitions(await loadTopicSpecs(), loadConfig(topicPartitionsSpec, env));
      return await applyTopics(admin, specs, { prefix: options.prefix ?? ctx.config.topicPrefix });
    } catch (err) {
      throw classifyKafkaError(err, ctx.config.kafkaBrokers);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  });
}

export function formatTopicChanges(changes: readonly TopicChange[]): string {
  return changes.map((c) => `${c.topic.padEnd(32)} ${c.action}${c.detail ? ` (${c.detail})` : ""}\n`).join("");
}

export function registerTopicsCommands(program: Command): void {
  const topics = program.command("topics").description("topics as code");
  addExamples(topics, ["lingostream topics apply"]);
  const apply = topics
    .command("apply")
    .description("create missing topics, add partitions, correct config drift (idempotent)")
    .option("--prefix <prefix>", "prefix every topic name");
  addJsonOption(apply);
  addExamples(apply, ["lingostream topics apply", "lingostream -b kafka-1:9092 topics apply --prefix staging.", "lingostream topics apply --json | jq '.[] | select(.action != \"unchanged\")'"]);
  apply.action(async (opts: { prefix?: string; json?: boolean }, command: Command) => {
    const changes = await applyConfiguredTopics(commandEnv(command), { prefix: opts.prefix });
    process.stdout.write(opts.json ? jsonText(changes) : formatTopicChanges(changes));
  });
}
