// A corner of the shared local stack for `transcribe` children: its own topic
// prefix, consumer groups and tenant, so a run neither reads nor is counted
// with anyone else's; removed afterwards (objects, topics, groups, subjects).
// The child creates its topics itself, as a user's first run does.

import { randomBytes } from "node:crypto";
import {
  connectionSpec,
  createLogger,
  createServiceContext,
  deleteTopicsWithPrefix,
  loadConfig,
  type ServiceContext,
} from "@lingostream/runtime";
import { runPrefixes, type RunPrefixKind } from "./s3-usage.ts";

export interface IsolatedRun {
  /** Also the topic prefix without its trailing dot: bench-<name>-<run id>. */
  tenant: string;
  prefix: string;
  /** Environment of an embedded `transcribe` child (no KAFKA_BROKERS) on this prefix and tenant. */
  env: NodeJS.ProcessEnv;
  /** The benchmark's own view of the same topics and bucket. */
  ctx: ServiceContext;
  prefixes: Record<RunPrefixKind, string>;
  cleanup(): Promise<void>;
}

export function createIsolatedRun(name: string, env: NodeJS.ProcessEnv): IsolatedRun {
  const tenant = `bench-${name}-${randomBytes(3).toString("hex")}`;
  const prefix = `${tenant}.`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...env,
    LINGOSTREAM_TOPIC_PREFIX: prefix,
    LINGOSTREAM_TENANT: tenant,
    LINGOSTREAM_ASR_GROUP: `${prefix}asr`,
    LINGOSTREAM_SEGMENTER_GROUP: `${prefix}segmenter`,
    LINGOSTREAM_SINK_GROUP: `${prefix}sink`,
  };
  // Embedded mode: the child uses the local stack and runs every worker itself.
  delete childEnv.KAFKA_BROKERS;
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
  const config = loadConfig(connectionSpec, childEnv);
  const ctx = createServiceContext(config, createLogger({ level: process.env.BENCH_LOG_LEVEL ?? "warn", name }), { role: `bench-${name}` });
  const prefixes = runPrefixes(tenant, ctx.topics.results);
  return {
    tenant,
    prefix,
    env: childEnv,
    ctx,
    prefixes,
    async cleanup() {
      try {
        await deleteUnder(ctx, Object.values(prefixes));
        const admin = ctx.kafka.admin();
        await admin.connect();
        try {
          const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
          if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
          await deleteTopicsWithPrefix(admin, prefix);
        } finally {
          await admin.disconnect();
        }
        const registry = ctx.serde.registry;
        for (const subject of (await registry.subjects().catch(() => [] as string[])).filter((s) => s.startsWith(prefix))) {
          await registry.deleteSubject(subject).catch(() => {});
          await registry.deleteSubject(subject, true).catch(() => {});
        }
      } finally {
        ctx.store.close();
      }
    },
  };
}

/** Deletes every object under the prefixes, eight requests at a time (a 16-hour run leaves thousands). */
async function deleteUnder(ctx: ServiceContext, prefixes: readonly string[]): Promise<void> {
  for (const prefix of prefixes) {
    const keys: string[] = [];
    for await (const item of ctx.store.list(prefix)) keys.push(item.key);
    const worker = async () => {
      for (let key = keys.pop(); key !== undefined; key = keys.pop()) await ctx.store.delete(key);
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  }
}
