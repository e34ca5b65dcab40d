// vitest globalSetup of the integration project: makes sure a real stack is
// there before the first test file runs and exports its addresses to the test
// workers (they inherit this process's environment). The choice is
// chooseTestStack's; a stack this setup started with testcontainers is removed
// again at the end, a local one is left running for the next run.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.ts";
import { chooseTestStack, type TestStack } from "./stack-choice.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** docker-compose.yml's servers the tests need, and the variables that publish their ports. */
export const COMPOSE_TEST_SERVICES = ["kafka", "registry", "s3", "s3-bucket"] as const;
export const COMPOSE_PORT_VARIABLES = { kafka: "LINGOSTREAM_KAFKA_PORT", registry: "LINGOSTREAM_REGISTRY_PORT", s3: "LINGOSTREAM_S3_PORT" } as const;

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const stack = await chooseTestStack({
    requested: process.env.LINGOSTREAM_TEST_STACK,
    brokers: process.env.KAFKA_BROKERS,
    dockerAnswers,
  });
  process.stderr.write(`[integration] stack: ${describeStack(stack)}\n`);
  if (stack === "environment") return undefined;
  if (stack === "local-processes") {
    Object.assign(process.env, await localStackUp());
    return undefined;
  }
  return composeUp();
}

function describeStack(stack: TestStack): string {
  if (stack === "environment") return `the one at KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`;
  if (stack === "docker-compose") return "docker-compose.yml's servers through testcontainers";
  return "the local stack's processes (infra/local-stack/stack.sh)";
}

async function dockerAnswers(): Promise<boolean> {
  // Loaded only here: most runs never need the container client.
  const { getContainerRuntimeClient } = await import("testcontainers");
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/** `stack.sh up` prints the stack's addresses as KEY=value lines on stdout. */
async function localStackUp(): Promise<Record<string, string>> {
  const child = spawn("bash", ["infra/local-stack/stack.sh", "up"], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  const code = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`the local stack did not come up (stack.sh up exited ${code})`);
  return parseEnvLines(out);
}

export function parseEnvLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const [, key, value] = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim()) ?? [];
    if (key !== undefined && value !== undefined) env[key] = value;
  }
  return env;
}

async function composeUp(): Promise<() => Promise<void>> {
  const { DockerComposeEnvironment, Wait } = await import("testcontainers");
  const ports = { kafka: await freePort(), registry: await freePort(), s3: await freePort() };
  // The compose file's defaults, unless the caller chose others; the S3 server is created with them.
  const s3 = {
    S3_ACCESS_KEY_ID: process.env.S3_ACCESS_KEY_ID || "lingostream",
    S3_SECRET_ACCESS_KEY: process.env.S3_SECRET_ACCESS_KEY || "lingostream-secret",
    S3_BUCKET: process.env.S3_BUCKET || "lingostream",
  };
  const environment = await new DockerComposeEnvironment(REPO_ROOT, "docker-compose.yml")
    .withEnvironment({
      [COMPOSE_PORT_VARIABLES.kafka]: String(ports.kafka),
      [COMPOSE_PORT_VARIABLES.registry]: String(ports.registry),
      [COMPOSE_PORT_VARIABLES.s3]: String(ports.s3),
      ...s3,
    })
    .withWaitStrategy("kafka-1", Wait.forHealthCheck())
    .withWaitStrategy("registry-1", Wait.forHealthCheck())
    .withWaitStrategy("s3-1", Wait.forHealthCheck())
    .withWaitStrategy("s3-bucket-1", Wait.forOneShotStartup())
    .withStartupTimeout(300_000)
    .up([...COMPOSE_TEST_SERVICES]);
  Object.assign(process.env, {
    KAFKA_BROKERS: `localhost:${ports.kafka}`,
    SCHEMA_REGISTRY_URL: `http://localhost:${ports.registry}/apis/ccompat/v7`,
    S3_ENDPOINT: `http://localhost:${ports.s3}`,
    S3_FORCE_PATH_STYLE: "true",
    ...s3,
  });
  return async () => {
    await environment.down({ removeVolumes: true });
  };
}
