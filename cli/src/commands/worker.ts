// `lingostream worker <role...>`: long-lived services against any cluster.
// SIGTERM/Ctrl-C drains: in-flight segments finish or stay uncommitted,
// offsets commit, clients disconnect, child processes end.

import type { Command } from "commander";
import {
  Shutdown,
  assertBrokersReachable,
  connectionSpec,
  createLogger,
  createMetricsRegistry,
  createServiceContext,
  loadConfig,
  serveMetrics,
} from "@lingostream/runtime";
import { startClusterMetrics } from "../cluster-metrics.ts";
import { ROLES, startServices, stopServices, type Role } from "../services.ts";
import { watchedGroups } from "../status/watched-groups.ts";

export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description(`run services until stopped: ${ROLES.join(", ")} or all`)
    .argument("<roles...>", "which services")
    .option("--metrics-port <port>", "serve /metrics, /healthz, /readyz on this port (0 = off)", "0")
    .action(async (roles: string[], opts: { metricsPort: string }) => {
      const wanted = roles.includes("all") ? [...ROLES] : roles;
      const unknown = wanted.filter((r) => !(ROLES as readonly string[]).includes(r));
      if (unknown.length > 0) throw new Error(`unknown worker role ${unknown.join(", ")}; choose from ${ROLES.join(", ")}, all`);
      await runWorkers(wanted as Role[], Number(opts.metricsPort));
    });
}

async function runWorkers(roles: Role[], metricsPort: number): Promise<void> {
  const config = loadConfig(connectionSpec, process.env);
  const logger = createLogger({ level: config.logLevel });
  const metrics = createMetricsRegistry({ role: roles.join("+") });
  const ctx = createServiceContext(config, logger, { metrics, role: roles.join("-") });
  const shutdown = new Shutdown(logger).listen();
  await assertBrokersReachable(ctx.kafka, config.kafkaBrokers);
  await ctx.store.ensureBucket();
  const services = await startServices(ctx, roles, process.env);
  let ready = true;
  shutdown.add("services", async () => {
    ready = false;
    await stopServices(services);
  });
  shutdown.add("store", () => ctx.store.close());
  if (metricsPort > 0) {
    const server = await serveMetrics(metrics, metricsPort, { ready: () => ready }, "0.0.0.0");
    shutdown.add("metrics", () => new Promise<void>((r) => server.close(() => r())));
    const cluster = startClusterMetrics(ctx, metrics, watchedGroups(process.env, ctx.topics));
    shutdown.add("cluster-metrics", () => cluster.stop());
  }
  logger.info({ roles, instanceId: ctx.instanceId }, "workers running");
  try {
    const ended = await Promise.race([
      new Promise<undefined>((r) => shutdown.signal.addEventListener("abort", () => r(undefined))),
      ...services.map((s) => s.done.then(() => s.name)),
    ]);
    // A service that ended by itself (its consumer crashed past kafkajs's own
    // restarts) takes the process down with a failure exit, so a supervisor
    // starts a whole one; the other services drain first.
    if (ended !== undefined && !shutdown.signal.aborted) {
      logger.error({ service: ended }, "service ended by itself; stopping the others");
      process.exitCode = 1;
    }
  } finally {
    await shutdown.close();
  }
  logger.info("workers stopped");
}
