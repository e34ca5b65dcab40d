// An isolated corner of the real local stack for one test file: its own topic
// prefix (so its own subjects too), its own consumer groups, removed afterwards.

import { randomBytes } from "node:crypto";
import {
  applyTopics,
  connectionSpec,
  createLogger,
  createServiceContext,
  deleteTopicsWithPrefix,
  loadConfig,
  loadTopicSpecs,
  retry,
  type ServiceContext,
} from "@lingostream/runtime";

export interface StackContext {
  ctx: ServiceContext;
  /** Environment that points services at this test's topics and groups. */
  env: NodeJS.ProcessEnv;
  prefix: string;
  /** A fresh context on the same topics (a second worker, a restarted one). */
  another(role: string): ServiceContext;
  cleanup(): Promise<void>;
}

export async function createStackContext(name: string, options: { partitions?: number; env?: NodeJS.ProcessEnv } = {}): Promise<StackContext> {
  const prefix = `it-${name}-${randomBytes(3).toString("hex")}.`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Job ids follow the tenant and the media's content, and the bucket outlives
    // the topics: a tenant of the test's own keeps runs of the same media apart.
    LINGOSTREAM_TENANT: prefix.slice(0, -1),
    ...options.env,
    LINGOSTREAM_TOPIC_PREFIX: prefix,
    LINGOSTREAM_ASR_GROUP: `${prefix}asr`,
    LINGOSTREAM_SEGMENTER_GROUP: `${prefix}segmenter`,
    LINGOSTREAM_SINK_GROUP: `${prefix}sink`,
  };
  const config = loadConfig(connectionSpec, env);
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "warn", name });
  const ctx = createServiceContext(config, logger, { role: name });
  const admin = ctx.kafka.admin();
  await admin.connect();
  try {
    const specs = await loadTopicSpecs();
    // A broker busy deleting the last test's topics may answer UNKNOWN_TOPIC_OR_PARTITION
    // while kafkajs waits for the new leaders; applying again is idempotent.
    await retry(() => applyTopics(admin, specs, { prefix, partitions: options.partitions ?? 2 }), { retries: 5, minDelayMs: 200, maxDelayMs: 2000, factor: 2 }, {
      isRetriable: (err) => (err as { retriable?: unknown })?.retriable === true,
    });
  } finally {
    await admin.disconnect();
  }
  await ctx.store.ensureBucket();
  const others: ServiceContext[] = [];
  return {
    ctx,
    env,
    prefix,
    another(role) {
      const other = createServiceContext(config, logger.child({ role }), { role });
      others.push(other);
      return other;
    },
    async cleanup() {
      const cleaner = ctx.kafka.admin();
      await cleaner.connect();
      try {
        // The test's consumer groups and subjects carry its prefix too; leave none behind.
        const groups = (await cleaner.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
        if (groups.length > 0) await cleaner.deleteGroups(groups).catch(() => {});
        await deleteTopicsWithPrefix(cleaner, prefix);
      } finally {
        await cleaner.disconnect();
      }
      const registry = ctx.serde.registry;
      for (const subject of (await registry.subjects().catch(() => [] as string[])).filter((s) => s.startsWith(prefix))) {
        await registry.deleteSubject(subject).catch(() => {});
        await registry.deleteSubject(subject, true).catch(() => {});
      }
      for (const c of [ctx, ...others]) c.store.close();
    },
  };
}
