// The Prometheus alert rules and the Grafana dashboard in infra/ must name
// series that lingostream really registers: a renamed metric would otherwise
// leave an alert that never fires. Names come from running the registering
// code where it is exported, and from the services' metric definitions
// otherwise; test/integration/metrics.int.test.ts checks a live /metrics too.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  BufferPool,
  createMetricsRegistry,
  HandleRegistry,
  PressureGovernor,
  registerMemoryMetrics,
  type ServiceContext,
} from "@lingostream/runtime";
import { topicNames } from "@lingostream/schemas";
import { createSinkMetrics } from "@lingostream/sink-s3";
import { startClusterMetrics } from "@lingostream/worker-host";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = new URL("../../", import.meta.url).pathname;
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const alerts = parse(read("infra/prometheus/alerts.yml")) as { groups: { name: string; rules: Rule[] }[] };
const rules = alerts.groups.flatMap((g) => g.rules);
interface DataSourceRef {
  type: string;
  uid: string;
}
const dashboard = JSON.parse(read("infra/grafana/dashboards/lingostream.json")) as {
  uid: string;
  templating: { list: { name: string; type: string; query: string | { query: string }; datasource?: DataSourceRef }[] };
  panels: { type: string; title: string; datasource?: DataSourceRef; targets?: { expr: string; datasource?: DataSourceRef }[] }[];
};
const prometheus = parse(read("infra/prometheus/prometheus.yml")) as { rule_files: string[]; scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };

/** Every series name lingostream registers, histogram and counter names as registered. */
async function registeredNames(): Promise<Set<string>> {
  const registry = createMetricsRegistry();
  const governor = new PressureGovernor({ maxInFlight: 1, heartbeatIntervalMs: 2000 });
  const handles = new HandleRegistry();
  registerMemoryMetrics(registry, "worker", { governor, handles, pool: new BufferPool({ maxBytes: 1024, registry: handles }) });
  createSinkMetrics(registry);
  // Registration is all that happens before the first scrape; nothing here connects.
  startClusterMetrics({ topics: topicNames(), logger: undefined } as unknown as ServiceContext, registry, []);
  // getMetricsAsArray lists what is registered without collecting (collecting would read the cluster).
  const names = new Set(registry.getMetricsAsArray().map((m) => (m as unknown as { name: string }).name));
  // Services whose metric factories are internal to their package: their definitions.
  for (const dir of ["processors", "producers", "sinks", "runtime"]) {
    for (const file of readdirSync(join(ROOT, dir), { recursive: true }) as string[]) {
      if (!file.endsWith(".ts") || file.endsWith(".test.ts") || file.includes("node_modules") || !file.includes("src")) continue;
      for (const m of read(join(dir, file)).matchAll(/name: "(lingostream_[a-z0-9_]+)"/g)) names.add(m[1]!);
    }
  }
  return names;
}

/** lingostream_* series an expression reads, with histogram suffixes taken off. */
function seriesIn(expr: string): string[] {
  return [...expr.matchAll(/\b(lingostream_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ""));
}

describe("alert rules", () => {
  it("cover HIGH for 5 minutes, any CRITICAL, dead-letter growth, lag growth and leaked handles", () => {
    const byName = new Map(rules.map((r) => [r.alert, r]));
    expect(byName.get("LingostreamMemoryHigh")).toMatchObject({ for: "5m" });
    expect(byName.get("LingostreamMemoryHigh")?.expr).toMatch(/lingostream_monitor_level\) >= 2$/);
    expect(byName.get("LingostreamMemoryCritical")?.expr).toMatch(/>= 3$/);
    expect(byName.get("LingostreamMemoryCritical")?.for).toBeUndefined();
    expect(byName.get("LingostreamDeadLettersGrowing")?.expr).toContain("lingostream_cluster_dead_letters_messages");
    expect(byName.get("LingostreamConsumerLagGrowing")?.expr).toContain("lingostream_cluster_consumer_lag_messages");
    // A counter's value never falls: the rule must look at its increase, or one leak fires for ever.
    expect(byName.get("LingostreamLeakedHandles")?.expr).toMatch(/increase\(lingostream_worker_handles_leaked_total\[\d+m\]\)\) > 0$/);
  });

  it("each have a severity and a summary", () => {
    for (const rule of rules) {
      expect(rule.labels?.severity, rule.alert).toMatch(/^(critical|warning|info)$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    }
  });

  it("read only series the code registers", async () => {
    const names = await registeredNames();
    const unknown = rules.flatMap((r) => seriesIn(r.expr).filter((s) => !names.has(s)).map((s) => `${r.alert}: ${s}`));
    expect(unknown).toEqual([]);
    expect(rules.filter((r) => r.alert !== "LingostreamTargetDown").every((r) => seriesIn(r.expr).length > 0)).toBe(true);
  });
});

describe("Grafana dashboard", () => {
  const panels = dashboard.panels.filter((p) => p.type !== "row");
  const variables = dashboard.templating.list;
  const queryOf = (v: (typeof variables)[number]) => (typeof v.query === "string" ? v.query : v.query.query);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana substitutes ${datasource}
  const byVariable = { type: "prometheus", uid: "${datasource}" };

  it("takes its data source from a variable, not a fixed uid", () => {
    expect(variables.find((v) => v.type === "datasource")).toMatchObject({ name: "datasource", query: "prometheus" });
    expect(panels.length).toBeGreaterThanOrEqual(8);
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual(byVariable);
      for (const target of panel.targets ?? []) expect(target.datasource, panel.title).toEqual(byVariable);
    }
    for (const v of variables.filter((v) => v.type === "query")) expect(v.datasource, v.name).toEqual(byVariable);
    const provisioned = parse(read("infra/grafana/provisioning/datasources/prometheus.yml")) as { datasources: { uid: string }[] };
    expect(JSON.stringify(dashboard)).not.toContain(provisioned.datasources[0]!.uid);
  });

  it("filters every query by host and role, labels every worker series carries", async () => {
    // role: the worker's registry puts its roles on every series (worker-host's runWorkers);
    // instance: Prometheus adds the scraped address; tenant: the ASR's per-tenant
    // series only (lingostream_asr_tenant_*), whose values LINGOSTREAM_TENANTS bounds.
    const registry = createMetricsRegistry({ role: "segmenter+asr" });
    expect(await registry.getSingleMetricAsString("lingostream_process_start_time_seconds")).toContain('role="segmenter+asr"');
    expect(variables.filter((v) => v.type === "query").map((v) => v.name)).toEqual(["instance", "role", "tenant"]);
    let tenantQueries = 0;
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        for (const m of target.expr.matchAll(/\b(lingostream_[a-z0-9_]+)(\{[^}]*\})?/g)) {
          expect(m[2], `${panel.title}: ${target.expr}`).toContain('instance=~"$instance"');
          expect(m[2], `${panel.title}: ${target.expr}`).toContain('role=~"$role"');
          if (m[1]!.startsWith("lingostream_asr_tenant_")) {
            expect(m[2], `${panel.title}: ${target.expr}`).toContain('tenant=~"$tenant"');
            tenantQueries++;
          }
        }
      }
    }
    expect(tenantQueries).toBeGreaterThan(0);
  });

  it("queries only series the code registers", async () => {
    const names = await registeredNames();
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        const series = seriesIn(target.expr);
        expect(series.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        expect(series.filter((s) => !names.has(s)), panel.title).toEqual([]);
      }
    }
    for (const v of variables.filter((v) => v.type === "query")) {
      expect(seriesIn(queryOf(v)).filter((s) => !names.has(s)), v.name).toEqual([]);
    }
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(" | ");
    for (const topic of ["throughput", "lag", "pressure level", "memory"]) expect(titles).toContain(topic);
  });
});

describe("Prometheus config", () => {
  it("loads the alert rules and scrapes the worker metrics ports", () => {
    // Relative to prometheus.yml, which the container mounts beside it in /etc/prometheus.
    expect(prometheus.rule_files).toEqual(["alerts.yml"]);
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    expect(targets).toContain("host.docker.internal:9464");
    const compose = read("docker-compose.yml");
    expect(compose).toContain("./infra/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro");
    expect(compose).toContain("./infra/grafana/provisioning:/etc/grafana/provisioning:ro");
    expect(compose).toContain("./infra/grafana/dashboards:/var/lib/grafana/dashboards:ro");
  });
});
