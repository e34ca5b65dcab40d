// The Helm chart in infra/k8s/lingostream, rendered offline by Helm's own
// engine and every object decoded strictly into its Kubernetes or KEDA type
// (infra/k8s/validate/validate.sh), with the default values and a PocketSphinx
// + SASL override; and the validator shown to refuse what an API server would.

import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../src/paths.ts";

const run = promisify(execFile);
const CHART = join(REPO_ROOT, "infra/k8s/lingostream");
const OVERRIDE = join(CHART, "ci/pocketsphinx-sasl-values.yaml");
const VALIDATE = join(REPO_ROOT, "infra/k8s/validate/validate.sh");
/** The first build compiles Helm, client-go and KEDA's API types: minutes on two cores, then cached. */
const BUILD_TIMEOUT_MS = 20 * 60_000;
const MiB = 1024 ** 2;

interface K8sObject {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered objects are checked field by field below
  spec?: any;
  data?: Record<string, string>;
}

let scratch: string;

async function validate(...args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("bash", [VALIDATE, ...args], { maxBuffer: 64 * MiB, timeout: BUILD_TIMEOUT_MS });
    return { ok: true, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { ok: false, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

async function render(...valueFiles: string[]): Promise<K8sObject[]> {
  const result = await validate("chart", CHART, ...valueFiles);
  expect(result.stderr).toBe("");
  expect(result.ok).toBe(true);
  return JSON.parse(result.stdout) as K8sObject[];
}

const find = (objects: K8sObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
  return found;
};
// biome-ignore lint/suspicious/noExplicitAny: a pod template's container
const container = (o: K8sObject): any => o.spec.template.spec.containers[0];
const envOf = (o: K8sObject) => new Map<string, unknown>(container(o).env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "k8s-chart-"));
  // The first call builds the validator (then cached): it gets the long timeout here, not in a test.
  const empty = join(scratch, "empty.yaml");
  await writeFile(empty, "");
  const first = await validate("manifest", empty);
  expect(first.stderr).toContain("no objects to validate");
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("the lingostream chart", () => {
  it("renders valid objects with the default values: three worker Deployments, a monitor per node, KEDA on the ASR lag", async () => {
    const objects = await render();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        "ConfigMap/lingostream",
        "DaemonSet/lingostream-monitor",
        "Deployment/lingostream-asr",
        "Deployment/lingostream-segmenter",
        "Deployment/lingostream-sink",
        "Job/lingostream-topics",
        "PodDisruptionBudget/lingostream-asr",
        "ScaledObject/lingostream-asr",
        "Secret/lingostream-credentials",
      ].sort(),
    );

    const asr = find(objects, "Deployment", "lingostream-asr");
    expect(container(asr).args).toEqual(["worker", "asr", "--metrics-port", "9464"]);
    // Two whisper decoders (one per core of the CPU limit) of 400 MiB and the 384 MiB worker, over 0.7.
    expect(container(asr).resources).toEqual({ requests: { cpu: "2", memory: "1692Mi" }, limits: { cpu: "2", memory: "1692Mi" } });
    // KEDA owns the count.
    expect(asr.spec.replicas).toBeUndefined();
    // Longer than a segment's engine time limit, which bounds the drain.
    expect(envOf(asr).get("LINGOSTREAM_ASR_SEGMENT_TIMEOUT_MS")).toBe("120000");
    expect(asr.spec.template.spec.terminationGracePeriodSeconds).toBe(150);
    expect(container(asr).livenessProbe.httpGet).toEqual({ path: "/healthz", port: "metrics" });
    expect(container(asr).readinessProbe.httpGet).toEqual({ path: "/readyz", port: "metrics" });
    expect(asr.spec.template.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": "9464" });

    const sink = find(objects, "Deployment", "lingostream-sink");
    expect(sink.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(Number(envOf(sink).get("LINGOSTREAM_SINK_DRAIN_TIMEOUT_MS")) / 1000);

    // Every pod, monitor and workers alike, names its node: that is what pairs them.
    const monitor = find(objects, "DaemonSet", "lingostream-monitor");
    for (const pod of [asr, sink, find(objects, "Deployment", "lingostream-segmenter"), monitor]) {
      expect(envOf(pod).get("LINGOSTREAM_PRESSURE_HOST")).toEqual({ fieldRef: { fieldPath: "spec.nodeName" } });
    }
    expect(container(monitor).args).toEqual(["worker", "monitor", "--metrics-port", "9464"]);
    // No memory limit: the monitor measures the node, not a container of its own.
    expect(container(monitor).resources.limits.memory).toBeUndefined();

    const scaled = find(objects, "ScaledObject", "lingostream-asr");
    expect(scaled.spec.scaleTargetRef.name).toBe("lingostream-asr");
    expect(scaled.spec.maxReplicaCount).toBe(12);
    expect(find(objects, "ConfigMap", "lingostream").data).toMatchObject({ LINGOSTREAM_TOPIC_SEGMENTS_PARTITIONS: "12", LINGOSTREAM_ASR_ENGINE: "whisper" });
    const trigger = scaled.spec.triggers[0];
    expect(trigger.type).toBe("prometheus");
    expect(trigger.metadata.query).toContain('group="lingostream-asr",topic="asr.segments"');
    expect(trigger.metadata.query).toContain("< 2");
  });

  it("renders valid objects for PocketSphinx on a SASL Kafka with credentials from an existing Secret", async () => {
    const objects = await render(OVERRIDE);
    expect(objects.some((o) => o.kind === "Secret" || o.kind === "ScaledObject")).toBe(false);
    const asr = find(objects, "Deployment", "lingostream-asr");
    expect(asr.spec.replicas).toBe(3);
    // Four PocketSphinx decoders of 130 MiB and the worker, over 0.7.
    expect(container(asr).resources.limits).toEqual({ cpu: "4", memory: `${Math.ceil(((384 + 4 * 130) * 10) / 7)}Mi` });
    expect(container(asr).envFrom).toContainEqual({ secretRef: { name: "lingostream-credentials" } });
    expect(find(objects, "ConfigMap", "lingostream").data).toMatchObject({
      KAFKA_SASL_MECHANISM: "scram-sha-512",
      KAFKA_SSL: "true",
      LINGOSTREAM_ASR_ENGINE: "pocketsphinx",
      LINGOSTREAM_TOPIC_SEGMENTS_PARTITIONS: "24",
    });
  });
});

describe("the chart's values", () => {
  it("refuse a misspelt value instead of ignoring it (values.schema.json)", async () => {
    const file = join(scratch, "typo-values.yaml");
    await writeFile(file, "asr:\n  cpus: 4\n");
    const result = await validate("chart", CHART, file);
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain("additional properties 'cpus' not allowed");
  });
});

describe("k8s-validate", () => {
  const deployment = (spec: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
${spec}
  selector:
    matchLabels: { app: broken }
  template:
    metadata:
      labels: { app: broken }
    spec:
      containers:
        - name: main
          image: busybox
`;

  async function check(name: string, text: string) {
    const file = join(scratch, name);
    await writeFile(file, text);
    return validate("manifest", file);
  }

  it("accepts a well-formed manifest", async () => {
    const result = await check("good.yaml", deployment("  replicas: 2"));
    expect(result.ok).toBe(true);
    expect(JSON.parse(result.stdout)).toHaveLength(1);
  });

  it("refuses an unknown field", async () => {
    const result = await check("unknown-field.yaml", deployment("  replicaCount: 2"));
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain('unknown field "spec.replicaCount"');
  });

  it("refuses a field of the wrong type", async () => {
    const result = await check("wrong-type.yaml", deployment('  replicas: "two"'));
    expect(result.ok).toBe(false);
    expect(result.stderr).toMatch(/replicas.*(string|int32)/);
  });

  it("refuses a KEDA object with a misspelt field and a kind no API knows", async () => {
    const result = await check(
      "keda.yaml",
      `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: asr
spec:
  scaleTargetRef: { name: asr }
  maxReplicas: 12
  triggers: []
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
`,
    );
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain('unknown field "spec.maxReplicas"');
    expect(result.stderr).toMatch(/Widget/);
  });
});
