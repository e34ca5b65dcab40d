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
  type RunningService,
  Shutdown,
  serveMetrics,
} from "@lingostream/runtime";
import { startClusterMetrics } from "./cluster-metrics.ts";
import { type Role, startServices, stopServices } from "./services.ts";
import { settleWithinGrace } from "./start-grace.ts";
import { watchedGroups } from "./watched-groups.ts";

/** How the workers ended: drained on a signal, or because a service ended by itself. */
export type WorkersEnded = { by: "signal" } | { by: "service"; service: string };

export async function runWorkers(roles: Role[], metricsPort: number, env: Env): Promise<WorkersEnded> {
  const config = loadConfig(connectionSpec, env);
  const logger = createLogger({ level: config.logLevel });
  const metrics = createMetricsRegistry({ role: roles.join("+") });
  const ctx = createServiceContext(config, logger, { metrics, role: roles.join("-") });
  const shutdown = new Shutdown(logger).listen();
  const { signal } = shutdown;
  // The signal may come at any moment of the start-up: the closers are there
  // before anything starts, and the services' closer waits for the start-up to
  // settle, so whatever started is stopped, upstream first, before the store closes.
  const starting = (async () => {
    await settleWithinGrace("the broker check", assertBrokersReachable(config, logger), signal);
    await settleWithinGrace("the bucket check", ctx.store.ensureBucket(), signal);
    return signal.aborted ? [] : await startServices(ctx, roles, env, {}, signal);
  })();
  let ready = false;
  shutdown.add("store", () => ctx.store.close());
  shutdown.add("services", async () => {
    ready = false;
    // A start-up that failed has stopped what it started (startServices).
    await stopServices(await starting.catch(() => []));
  });
  let services: RunningService[];
  try {
    services = await starting;
  } catch (err) {
    await shutdown.close();
    throw err;
  }
  if (metricsPort > 0 && !signal.aborted) {
    const server = await serveMetrics(metrics, metricsPort, { ready: () => ready }, "0.0.0.0");
    shutdown.add("metrics", () => new Promise<void>((r) => server.close(() => r())));
    const cluster = startClusterMetrics(ctx, metrics, watchedGroups(env, ctx.topics));
    shutdown.add("cluster-metrics", () => cluster.stop());
  }
  let outcome: WorkersEnded = { by: "signal" };
  try {
    if (!signal.aborted) {
      ready = true;
      logger.info({ roles, instanceId: ctx.instanceId }, "workers running");
    }
    const ended = await Promise.race([
      new Promise<undefined>((r) => (signal.aborted ? r(undefined) : signal.addEventListener("abort", () => r(undefined), { once: true }))),
      ...services.map((s) => s.done.then(() => s.name)),
    ]);
    // A service that ended by itself (its consumer crashed past kafkajs's own
    // restarts) takes the process down, so a supervisor starts a whole one;
    // the other services drain first.
    if (ended !== undefined && !signal.aborted) {
      logger.error({ service: ended }, "service ended by itself; stopping the others");
      outcome = { by: "service", service: ended };
    }
  } finally {
    await shutdown.close();
  }
  logger.info("workers stopped");
  return outcome;
}
