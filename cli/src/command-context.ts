// The clients a one-shot command (status, failed, replay, pressure report,
// topics apply) needs, built from its environment and released however the
// command ends. Kafka is checked first, quickly, so a down cluster is one
// clear line within seconds rather than a long retry.

import {
  assertBrokersReachable,
  type ConnectionConfig,
  connectionSpec,
  createLogger,
  createServiceContext,
  type Env,
  type Logger,
  loadConfig,
  type ServiceContext,
} from "@lingostream/runtime";

/** Commands print their own results; the log is for problems unless LOG_LEVEL asks for more than info. */
export function commandLogger(config: ConnectionConfig): Logger {
  return createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel });
}

export async function withCommandContext<T>(role: string, env: Env, run: (ctx: ServiceContext) => Promise<T>): Promise<T> {
  const config = loadConfig(connectionSpec, env);
  const logger = commandLogger(config);
  await assertBrokersReachable(config, logger);
  const ctx = createServiceContext(config, logger, { role });
  try {
    return await run(ctx);
  } finally {
    ctx.store.close();
  }
}
