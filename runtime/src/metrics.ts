// One prom-client Registry per process, passed in; names follow
// lingostream_<component>_<what>_<unit>. Served with /healthz and /readyz.

import { createServer, type Server } from "node:http";
import { collectDefaultMetrics, Registry } from "prom-client";

export { Counter, Gauge, Histogram, Registry } from "prom-client";

export function createMetricsRegistry(defaultLabels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(defaultLabels);
  collectDefaultMetrics({ register: registry, prefix: "lingostream_" });
  return registry;
}

export interface HealthChecks {
  /** Process is alive and its loop turns. */
  live?: () => boolean;
  /** Ready to take work: connected, not shutting down. */
  ready?: () => boolean;
}

/** Serves /metrics, /healthz and /readyz; port 0 picks a free port. */
export async function serveMetrics(registry: Registry, port: number, checks: HealthChecks = {}, host = "127.0.0.1"): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      res.setHeader("content-type", registry.contentType);
      res.end(await registry.metrics());
    } else if (path === "/healthz") {
      const ok = checks.live?.() ?? true;
      res.statusCode = ok ? 200 : 503;
      res.end(ok ? "ok\n" : "unhealthy\n");
    } else if (path === "/readyz") {
      const ok = checks.ready?.() ?? true;
      res.statusCode = ok ? 200 : 503;
      res.end(ok ? "ready\n" : "not ready\n");
    } else {
      res.statusCode = 404;
      res.end("not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
