// `lingostream worker <role...>`: long-lived services against any cluster,
// hosted by worker-host's runWorkers (SIGTERM/Ctrl-C drains them).

import { connectionSpec, type Env, loadConfig, PipelineError } from "@lingostream/runtime";
import { loadServiceConfigs, ROLES, type Role, runWorkers } from "@lingostream/worker-host";
import type { Command } from "commander";
import { EXIT } from "../exit-codes.ts";
import { commandEnv } from "../global-options.ts";
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
    const ended = await runWorkers(args.roles, args.metricsPort, env);
    // Drained and released: exit now, whatever a client library still has
    // pending (kafkajs keeps retrying a broker that is down). A failure exit
    // when a service ended by itself, so a supervisor starts a whole process.
    process.exit(ended.by === "service" ? EXIT.failed : EXIT.ok);
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

