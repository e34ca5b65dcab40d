// docker-compose.yml as Docker Compose itself loads it: compose-go (the
// loader of `docker compose`), built and run by infra/compose-check/check.sh,
// with the Compose Specification's schema and consistency checks. No Docker
// engine is needed. The file must load, run the versions of the local stack
// (infra/local-stack/stack.sh), pin every image, keep the data in volumes,
// and give the S3 server the keys clients use. Integration, not unit: the
// first run builds the checker, fetching compose-go from the Go module proxy.

import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { LOCAL_S3_CREDENTIALS } from "@lingostream/runtime";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = new URL("../../../", import.meta.url).pathname;
const COMPOSE_FILE = join(ROOT, "docker-compose.yml");
const CHECK = join(ROOT, "infra/compose-check/check.sh");
const stackScript = readFileSync(join(ROOT, "infra/local-stack/stack.sh"), "utf8");

interface ComposeService {
  image: string;
  command?: string[] | null;
  healthcheck?: { test?: string[] };
  environment?: Record<string, string | null>;
  volumes?: { type: string; source: string; target: string }[];
}

interface ComposeProject {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

interface CheckRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function composeCheck(file: string): Promise<CheckRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)("bash", [CHECK, file], { maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? failed.message };
  }
}

/** A version stack.sh defaults to: NAME="${LINGOSTREAM_NAME:-value}". */
function stackDefault(name: string): string {
  const found = stackScript.match(new RegExp(`^${name}="\\$\\{LINGOSTREAM_${name}:-([^}]+)\\}"$`, "m"));
  if (!found) throw new Error(`infra/local-stack/stack.sh no longer sets ${name}="\${LINGOSTREAM_${name}:-...}"`);
  return found[1]!;
}

describe("docker-compose.yml", () => {
  let project: ComposeProject;
  const service = (name: string): ComposeService => {
    const found = project.services[name];
    if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
    return found;
  };
  const volumeAt = (name: string, target: string) => service(name).volumes?.find((v) => v.target === target);

  beforeAll(async () => {
    const run = await composeCheck(COMPOSE_FILE);
    expect(run.code, run.stderr).toBe(0);
    project = JSON.parse(run.stdout) as ComposeProject;
  });

  it("runs the Kafka, Apicurio Registry and versitygw versions of the local stack", () => {
    expect(service("kafka").image).toBe(`apache/kafka:${stackDefault("KAFKA_VERSION")}`);
    expect(service("registry").image).toBe(`apicurio/apicurio-registry:${stackDefault("APICURIO_VERSION")}`);
    expect(service("s3").image).toBe(`versity/versitygw:${stackDefault("VERSITYGW_VERSION")}`);
  });

  it("pins every image to a version", () => {
    for (const [name, { image }] of Object.entries(project.services)) {
      expect(image, name).toMatch(/^[\w./-]+(:[\w][\w.-]*|@sha256:[0-9a-f]{64})$/);
      expect(image, name).not.toMatch(/:latest$/);
    }
  });

  it("keeps Kafka's log, the registry's schemas and the S3 objects in named volumes", () => {
    const kafkaLog = service("kafka").environment?.KAFKA_LOG_DIRS;
    expect(volumeAt("kafka", kafkaLog!)).toMatchObject({ type: "volume", source: "kafka-data" });
    expect(service("registry").environment?.APICURIO_DATASOURCE_URL).toMatch(/^jdbc:postgresql:\/\/registry-db:/);
    expect(volumeAt("registry-db", "/var/lib/postgresql/data")).toMatchObject({ type: "volume", source: "registry-data" });
    const s3Data = service("s3").command?.at(-1);
    expect(service("s3").command?.at(-2)).toBe("posix");
    expect(volumeAt("s3", s3Data!)).toMatchObject({ type: "volume", source: "s3-data" });
    expect(Object.keys(project.volumes ?? {})).toEqual(expect.arrayContaining(["kafka-data", "registry-data", "s3-data"]));
  });

  it("sets the registry's global compatibility rule as the local stack does", () => {
    expect(service("registry").environment?.APICURIO_RULES_GLOBAL_COMPATIBILITY).toBe(stackDefault("REGISTRY_COMPATIBILITY"));
  });

  it("gives the S3 server, from S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY, the keys clients use by default", () => {
    expect(service("s3").environment).toMatchObject({
      ROOT_ACCESS_KEY: LOCAL_S3_CREDENTIALS.accessKeyId,
      ROOT_SECRET_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    });
    const text = readFileSync(COMPOSE_FILE, "utf8");
    expect(text).toContain("${S3_ACCESS_KEY_ID:-");
    expect(text).toContain("${S3_SECRET_ACCESS_KEY:-");
    expect(text).not.toMatch(/AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)/);
  });

  it("has a health check on every server the others and the integration setup wait for", () => {
    // testkit/src/integration-stack.ts waits on kafka, registry and s3; the registry waits on its database.
    for (const name of ["kafka", "registry-db", "registry", "s3"]) expect(service(name).healthcheck?.test?.length, name).toBeGreaterThan(1);
  });

  it("creates the bucket with the S3 server's own keys", () => {
    const s3 = service("s3").environment;
    expect(service("s3-bucket").environment).toMatchObject({
      ADMIN_ENDPOINT_URL: "http://s3:9000",
      ADMIN_ACCESS_KEY_ID: s3?.ROOT_ACCESS_KEY,
      ADMIN_SECRET_ACCESS_KEY: s3?.ROOT_SECRET_KEY,
      S3_BUCKET: "lingostream",
    });
  });

  it("mounts files that exist in the repository", () => {
    const binds = Object.values(project.services).flatMap((s) => (s.volumes ?? []).filter((v) => v.type === "bind"));
    expect(binds.length).toBeGreaterThan(0);
    for (const bind of binds) expect(existsSync(bind.source), bind.source).toBe(true);
  });

  it("is refused by the loader with a key the Compose Specification does not have", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lingostream-compose-"));
    try {
      const wrong = readFileSync(COMPOSE_FILE, "utf8").replace(/^(\s+)image: apache\/kafka:.*$/m, (line, indent: string) => `${line}\n${indent}imagee: typo`);
      expect(wrong).toContain("imagee: typo");
      await writeFile(join(dir, "docker-compose.yml"), wrong);
      const run = await composeCheck(join(dir, "docker-compose.yml"));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("services.kafka.imagee");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
