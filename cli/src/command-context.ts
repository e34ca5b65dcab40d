// The clients a one-shot command (failed, replay) needs, built from the
// environment and released however the command ends.

import { assertBrokersReachable, connectionSpec, createLogger, createServiceContext, loadConfig, type ServiceContext } from "@lingostream/runtime";

export async function withCommandContext<T>(role: string, run: (ctx: ServiceContext) => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const config = loadConfig(connectionSpec, env);
  // Commands print their own results; the log is for problems unless asked for more.
  const logger = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel });
  const ctx = createServiceContext(config, logger, { role });
  try {
    await assertBrokersReachable(ctx.kafka, config.kafkaBrokers);
    return await run(ctx);
  } finally {
    ctx.store.close();
  }
}
