// `lingostream topics apply`: create or update the topics of infra/topics.

import type { Command } from "commander";
import { applyTopics, classifyKafkaError, connectionSpec, createKafka, createLogger, loadConfig, loadTopicSpecs } from "@lingostream/runtime";

export async function applyConfiguredTopics(env: NodeJS.ProcessEnv, options: { prefix?: string; quiet?: boolean } = {}): Promise<void> {
  const config = loadConfig(connectionSpec, env);
  const logger = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel });
  const admin = createKafka(config, logger, "admin").admin();
  try {
    await admin.connect();
    const changes = await applyTopics(admin, await loadTopicSpecs(), { prefix: options.prefix ?? config.topicPrefix });
    if (!options.quiet) {
      for (const c of changes) process.stdout.write(`${c.topic.padEnd(32)} ${c.action}${c.detail ? ` (${c.detail})` : ""}\n`);
    }
  } catch (err) {
    throw classifyKafkaError(err, config.kafkaBrokers);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export function registerTopicsCommands(program: Command): void {
  const topics = program.command("topics").description("topics as code");
  topics
    .command("apply")
    .description("create missing topics, add partitions, correct config drift (idempotent)")
    .option("--prefix <prefix>", "prefix every topic name")
    .action(async (opts: { prefix?: string }) => {
      await applyConfiguredTopics(process.env, { prefix: opts.prefix });
    });
}
