// What an operator sees from the `lingostream` command itself, run as a child
// process: an unreachable service is one line on stderr naming its address and
// the variable that sets it, exit 3; a usage error is one line and the usage
// hint, exit 2, before any connection is attempted.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
const SAMPLE = fileURLToPath(new URL("../../../samples/weather-report.mp3", import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderrLines: string[];
}

/** Runs `lingostream args...` with the stack's environment plus `env`; LOG_LEVEL stays at its default. */
async function lingostream(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.LOG_LEVEL;
  delete childEnv.LINGOSTREAM_CONFIG_FILE;
  const child = spawn(process.execPath, [MAIN, ...args], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderrLines: stderr.split("\n").filter((l) => l.length > 0) };
}

/** A port nothing listens on: bound by us for a moment, then released. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

describe("an unreachable service", () => {
  let port: number;
  let out: string;
  beforeAll(async () => {
    port = await unusedPort();
    out = await mkdtemp(join(tmpdir(), "ls-operator-"));
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  it("makes status exit 3 with one line naming the broker address and KAFKA_BROKERS", async () => {
    const run = await lingostream(["status"], { KAFKA_BROKERS: `127.0.0.1:${port}` });
    expect(run.stderrLines).toEqual([`lingostream: cannot reach Kafka at 127.0.0.1:${port} (KAFKA_BROKERS): connection refused`]);
    expect(run.stdout).toBe("");
    expect(run.code).toBe(3);
  });

  it("makes status --json exit 3 with nothing on stdout for jq to misread", async () => {
    const run = await lingostream(["status", "--json"], { KAFKA_BROKERS: `127.0.0.1:${port}` });
    expect(run.stderrLines).toHaveLength(1);
    expect(run.stdout).toBe("");
    expect(run.code).toBe(3);
  });

  it("makes transcribe exit 3 with one line naming the broker address and KAFKA_BROKERS", async () => {
    const run = await lingostream(["transcribe", SAMPLE, "-o", out], { KAFKA_BROKERS: `127.0.0.1:${port}` });
    expect(run.stderrLines).toEqual([`lingostream: cannot reach Kafka at 127.0.0.1:${port} (KAFKA_BROKERS): connection refused`]);
    expect(run.code).toBe(3);
  });

  it("is looked for where --brokers says, over the environment", async () => {
    const run = await lingostream(["-b", `127.0.0.1:${port}`, "failed", "list"], { KAFKA_BROKERS: "127.0.0.1:1" });
    expect(run.stderrLines).toEqual([`lingostream: cannot reach Kafka at 127.0.0.1:${port} (KAFKA_BROKERS): connection refused`]);
    expect(run.code).toBe(3);
  });

  it("makes transcribe exit 3 naming the S3 endpoint and S3_ENDPOINT when only S3 is down", async () => {
    const run = await lingostream(["transcribe", SAMPLE, "-o", out, "--s3-endpoint", `http://127.0.0.1:${port}`]);
    expect(run.stderrLines).toEqual([`lingostream: cannot reach S3 at http://127.0.0.1:${port} (S3_ENDPOINT): connection refused`]);
    expect(run.code).toBe(3);
  });

  it("makes transcribe exit 3 naming the registry URL and SCHEMA_REGISTRY_URL when only the registry is down", async () => {
    const run = await lingostream(["transcribe", SAMPLE, "-o", out, "--registry", `http://127.0.0.1:${port}`]);
    expect(run.stderrLines).toEqual([`lingostream: cannot reach the schema registry at http://127.0.0.1:${port} (SCHEMA_REGISTRY_URL): connection refused`]);
    expect(run.code).toBe(3);
  });
});

describe("a usage error", () => {
  /** Stands in for a broker and counts who knocks: a usage error must not. */
  let broker: Server;
  let connections = 0;
  let brokers: string;
  beforeAll(async () => {
    broker = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    broker.listen(0, "127.0.0.1");
    await once(broker, "listening");
    brokers = `127.0.0.1:${(broker.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => broker.close(() => r())));

  it.each([
    [["replay", "--rate", "abc"], 'lingostream: invalid --rate "abc": use segments per second, e.g. 20/s', "replay"],
    [["failed", "list", "--error-class", "nope"], 'lingostream: invalid --error-class "nope": use one of decode, engine, timeout, oversize, corrupt, malformed, unknown', "failed list"],
    [["status", "--since", "yesterday"], 'lingostream: --since "yesterday" is neither "now", a duration ago (30m, 24h, 7d) nor an ISO date such as 2026-01-02T10:00:00Z', "status"],
    [["pressure", "report", "--format", "xml"], "lingostream: option '--format <format>' argument 'xml' is invalid. Allowed choices are table, json, csv.", "pressure report"],
    [["transcribe", SAMPLE, "-o", "/tmp/x", "--jobs-in-flight", "0"], 'lingostream: invalid --jobs-in-flight "0": use a whole number of at least 1', "transcribe"],
  ])("%j exits 2 with one line and the usage hint, before any connection", async (args, line, path) => {
    const run = await lingostream(args, { KAFKA_BROKERS: brokers });
    expect(run.stderrLines).toEqual([line, `(run 'lingostream ${path} --help' for usage)`]);
    expect(run.code).toBe(2);
    expect(connections).toBe(0);
  });

  it("exits 2 for a malformed --brokers, naming what it accepts", async () => {
    const run = await lingostream(["status", "-b", "kafka-without-port"], { KAFKA_BROKERS: brokers });
    expect(run.stderrLines[0]).toContain('"kafka-without-port" is not host:port');
    expect(run.stderrLines).toHaveLength(2);
    expect(run.code).toBe(2);
    expect(connections).toBe(0);
  });

  it("prints a bad variable as one configuration line, exit 2, before any connection", async () => {
    const run = await lingostream(["status"], { KAFKA_BROKERS: brokers, KAFKA_CONNECT_TIMEOUT_MS: "soon" });
    expect(run.stderrLines).toEqual(['lingostream: invalid configuration: KAFKA_CONNECT_TIMEOUT_MS="soon" is not valid: not an integer; accepts an integer from 100 to 9007199254740991']);
    expect(run.code).toBe(2);
    expect(connections).toBe(0);
  });
});

describe("--version", () => {
  it("prints the package's version and exits 0", async () => {
    const run = await lingostream(["--version"]);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(run.code).toBe(0);
  });
});
