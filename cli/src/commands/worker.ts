// `lingostream worker <role...>`: long-lived services against any cluster.
// SIGTERM/Ctrl-C drains: in-flight segments finish or stay uncommitted,
// offsets commit, clients disconnect, child processes end.

import {
  assertBrokersReachable,
  connectionSpec,
  createLogger,
  createMetricsRegistry,
  createServiceContext,
  type Env,
  loadConfig,
  PipelineError,
  Shutdown,
  serveMetrics,
} from "@lingostream/runtime";
import type { Command } from "commander";
import { startClusterMetrics } from "../cluster-metrics.ts";
import { EXIT } from "../exit-codes.ts";
import { commandEnv } from "../global-options.ts";
import { loadServiceConfigs, ROLES, type Role, startServices, stopServices } from "../services.ts";
import { watchedGroups } from "../status/watched-groups.ts";
import { addExamples, checkArgs } from "../usage.ts";

export function registerWorkerCommand(program: Command): void {
  const cmd = program
    .command("worker")
    .description(`run services until stopped: ${ROLES.join(", ")} or all`)
    .argument("<roles...>", "which services")
    .option("--metrics-port <port>", "serve /metrics, /healthz, /readyz on this port (0 = off)", "0");
  addExamples(cmd, ["lingostream worker all --metrics-port 9464", "lingostream -b kafka-1:9092,kafka-2:9092 worker asr"]);
  cmd.action(async (roles: string[], opts: { metricsPort: string }, command: Command) => {
    const env = commandEnv(command);
    const args = checkArgs(command, () => workerArgs(roles, opts, env));
    await runWorkers(args.roles, args.metricsPort, env);
  });
}

/** Roles, port and every service's config, checked before anything connects. */
function workerArgs(roles: string[], opts: { metricsPort: string }, env: Env): { roles: Role[]; metricsPort: number } {
  const wanted = roles.includes("all") ? [...ROLES] : roles;
  const unknown = wanted.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) throw new PipelineError("config-invalid", `unknown worker role ${unknown.join(", ")}; choose from ${ROLES.join(", ")}, all`);
  const metricsPort = Number(opts.metricsPort);
  if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535) {
    throw new PipelineError("config-invalid", `invalid --metrics-port ${JSON.stringify(opts.metricsPort)}: use a port number, or 0 for none`);
  }
  loadConfig(connectionSpec, env);
  loadServiceConfigs(env);
  return { roles: wanted as Role[], metricsPort };
}

async function runWorkers(roles: Role[], metricsPort: number, env: Env): Promise<void> {
  const config = loadConfig(connectionSpec, env);
  const logger = createLogger({ level: config.logLevel });
  const metrics = createMetricsRegistry({ role: roles.join("+") });
  const ctx = createServiceContext(config, logger, { metrics, role: roles.join("-") });
  const shutdown = new Shutdown(logger).listen();
  await assertBrokersReachable(config, logger);
  await ctx.store.ensureBucket();
  const services = await startServices(ctx, roles, env);
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
      process.exitCode = EXIT.failed;
    }
  } finally {
    await shutdown.close();
  }
  logger.info("workers stopped");
}
