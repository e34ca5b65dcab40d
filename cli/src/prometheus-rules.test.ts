// Prometheus's own checker, promtool, on infra/prometheus: the config loads
// with the rule file it names, the rules parse, every rule has unit tests in
// alerts.test.yml that pass, and every dashboard query is valid PromQL.
// promtool comes with Debian's `prometheus` package (scripts/bootstrap.sh
// installs it); without it these tests fail rather than skip.

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";

const PROMETHEUS_DIR = new URL("../../infra/prometheus/", import.meta.url).pathname;
const DASHBOARD = new URL("../../infra/grafana/dashboards/lingostream.json", import.meta.url).pathname;
// alerts.test.yml evaluates a day of samples for LingostreamTargetDown: a few seconds.
const PROMTOOL_TIMEOUT_MS = 60_000;

interface PromtoolRun {
  code: number;
  output: string;
}

async function promtool(args: string[], cwd = PROMETHEUS_DIR): Promise<PromtoolRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)("promtool", args, { cwd, timeout: PROMTOOL_TIMEOUT_MS });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const failed = err as NodeJS.ErrnoException & { code: number | string; stdout?: string; stderr?: string };
    if (failed.code === "ENOENT") throw new Error("promtool not found on PATH: install Debian's prometheus package (scripts/bootstrap.sh does)");
    return { code: typeof failed.code === "number" ? failed.code : -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}${failed.message}` };
  }
}

interface RuleTest {
  alertname: string;
  eval_time: string;
  exp_alerts?: unknown[];
}

const alerts = parse(readFileSync(join(PROMETHEUS_DIR, "alerts.yml"), "utf8")) as { groups: { rules: { alert: string }[] }[] };
const ruleTests = (parse(readFileSync(join(PROMETHEUS_DIR, "alerts.test.yml"), "utf8")) as { tests: { alert_rule_test: RuleTest[] }[] }).tests;

/** promtool's durations (1h30m, 45s) in seconds, to order a test's evaluations. */
function seconds(duration: string): number {
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
  return [...duration.matchAll(/(\d+)([smhd])/g)].reduce((sum, [, n, unit]) => sum + Number(n) * units[unit!]!, 0);
}

describe("promtool", { timeout: PROMTOOL_TIMEOUT_MS }, () => {
  it("accepts prometheus.yml and the rule file it loads", async () => {
    const run = await promtool(["check", "config", "prometheus.yml"]);
    expect(run.output).toContain("SUCCESS: 1 rule files found");
    expect(run.code, run.output).toBe(0);
  });

  it("accepts every rule in alerts.yml", async () => {
    const run = await promtool(["check", "rules", "alerts.yml"]);
    expect(run.code, run.output).toBe(0);
  });

  it("passes alerts.test.yml", async () => {
    const run = await promtool(["test", "rules", "alerts.test.yml"]);
    expect(run.code, run.output).toBe(0);
  });

  it("has alerts.test.yml see every rule fire and then resolve in the same test", () => {
    for (const rule of alerts.groups.flatMap((g) => g.rules)) {
      const resolved = ruleTests.some((test) => {
        const evals = test.alert_rule_test.filter((t) => t.alertname === rule.alert);
        const fired = evals.filter((t) => (t.exp_alerts ?? []).length > 0).map((t) => seconds(t.eval_time));
        return fired.length > 0 && evals.some((t) => (t.exp_alerts ?? []).length === 0 && seconds(t.eval_time) > Math.min(...fired));
      });
      expect(resolved, rule.alert).toBe(true);
    }
  });

  it("reports a rule test that fails as a failure", async () => {
    // Proves the check above can fail: CRITICAL expected on a host that stays LOW.
    const dir = await mkdtemp(join(tmpdir(), "lingostream-promtool-"));
    try {
      await writeFile(join(dir, "alerts.yml"), readFileSync(join(PROMETHEUS_DIR, "alerts.yml")));
      const wrong = {
        rule_files: ["alerts.yml"],
        tests: [
          {
            interval: "15s",
            input_series: [{ series: 'lingostream_monitor_level{instance="h1:9464"}', values: "0x10" }],
            alert_rule_test: [{ eval_time: "1m", alertname: "LingostreamMemoryCritical", exp_alerts: [{ exp_labels: { severity: "critical", instance: "h1:9464" } }] }],
          },
        ],
      };
      await writeFile(join(dir, "wrong.test.yml"), stringify(wrong));
      const run = await promtool(["test", "rules", "wrong.test.yml"], dir);
      expect(run.code).not.toBe(0);
      expect(run.output).toContain("FAILED");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("parses every dashboard query as PromQL", async () => {
    // promtool has no command for a bare expression; a recording rule per query
    // makes `check rules` parse each one. Variables take a value that matches all.
    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const rules = dashboard.panels.flatMap((panel, p) =>
      (panel.targets ?? []).map((target, t) => ({ record: `dashboard:panel${p}_${t}`, expr: target.expr.replaceAll(/\$\{?\w+\}?/g, ".*") })),
    );
    expect(rules.length).toBeGreaterThan(0);
    const dir = await mkdtemp(join(tmpdir(), "lingostream-promtool-"));
    try {
      await writeFile(join(dir, "dashboard.rules.yml"), stringify({ groups: [{ name: "dashboard", rules }] }));
      const run = await promtool(["check", "rules", "dashboard.rules.yml"], dir);
      expect(run.code, run.output).toBe(0);
      expect(run.output).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
