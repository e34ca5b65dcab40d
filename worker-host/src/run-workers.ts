// A worker process: the roles it was asked for, one memory governor and
// pressure subscriber for them all, /metrics, /healthz and /readyz, and the
// drain on SIGTERM or Ctrl-C (in-flight segments finish or stay uncommitted,
// offsets commit, clients disconnect, child processes end).

import {
  assertBrokersReachable,
  connectionSpec,
  createLogger,
  createMetricsRegistry,
  createServiceContext,
  type Env,
  loadConfig,
  Shutdown,
  serveMetrics,
} from "@lingostream/runtime";
import { startClusterMetrics } from "./cluster-metrics.ts";
import { type Role, startServices, stopServices } from "./services.ts";
import { watchedGroups } from "./watched-groups.ts";

/** How the workers ended: drained on a signal, or because a service ended by itself. */
export type WorkersEnded = { by: "signal" } | { by: "service"; service: string };

export async function runWorkers(roles: Role[], metricsPort: number, env: Env): Promise<WorkersEnded> {
  const config = loadConfig(connectionSpec, env);
  const logger = createLogger({ level: config.logLevel });
  const metrics = createMetricsRegistry({ role: roles.join("+") });
  const ctx = createServiceContext(config, logger, { metrics, role: roles.join("-") });
  const shutdown = new Shutdown(logger).listen();
  let services: Awaited<ReturnType<typeof startServices>>;
  try {
    await assertBrokersReachable(config, logger);
    await ctx.store.ensureBucket();
    services = await startServices(ctx, roles, env);
  } catch (err) {
    // Nothing started is left behind: signal handlers and the store's connections go too.
    shutdown.add("store", () => ctx.store.close());
    await shutdown.close();
    throw err;
  }
  let ready = true;
  shutdown.add("services", async () => {
    ready = false;
    await stopServices(services);
  });
  shutdown.add("store", () => ctx.store.close());
  if (metricsPort > 0) {
    const server = await serveMetrics(metrics, metricsPort, { ready: () => ready }, "0.0.0.0");
    shutdown.add("metrics", () => new Promise<void>((r) => server.close(() => r())));
    const cluster = startClusterMetrics(ctx, metrics, watchedGroups(env, ctx.topics));
    shutdown.add("cluster-metrics", () => cluster.stop());
  }
  logger.info({ roles, instanceId: ctx.instanceId }, "workers running");
  let outcome: WorkersEnded = { by: "signal" };
  try {
    const ended = await Promise.race([
      new Promise<undefined>((r) => shutdown.signal.addEventListener("abort", () => r(undefined))),
      ...services.map((s) => s.done.then(() => s.name)),
    ]);
    // A service that ended by itself (its consumer crashed past kafkajs's own
    // restarts) takes the process down, so a supervisor starts a whole one;
    // the other services drain first.
    if (ended !== undefined && !shutdown.signal.aborted) {
      logger.error({ service: ended }, "service ended by itself; stopping the others");
      outcome = { by: "service", service: ended };
    }
  } finally {
    await shutdown.close();
  }
  logger.info("workers stopped");
  return outcome;
}
