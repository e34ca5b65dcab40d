// The Dockerfile, with no engine to build it here: parsed and linted by
// BuildKit's own parser (infra/k8s/validate), and held to the checkout it is
// built from: every workspace's manifest reaches `npm ci`, every file it copies
// is in the build context, the command it runs is the CLI's bin, and the port
// the HEALTHCHECK asks is the one the default command serves.

import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../src/paths.ts";

const run = promisify(execFile);
const read = (path: string) => readFile(join(REPO_ROOT, path), "utf8");
const VALIDATE = join(REPO_ROOT, "infra/k8s/validate/validate.sh");
/** The first run may build the validator (see k8s-chart.int.test.ts): minutes, then cached. */
const BUILD_TIMEOUT_MS = 20 * 60_000;

async function checkDockerfile(path: string): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("bash", [VALIDATE, "dockerfile", path], { timeout: BUILD_TIMEOUT_MS });
    return { ok: true, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { ok: false, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

let scratch: string;
let parsed: { ok: boolean; stdout: string; stderr: string };

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "dockerfile-"));
  parsed = await checkDockerfile(join(REPO_ROOT, "Dockerfile"));
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** The instructions, continuation lines joined. */
async function instructions(): Promise<string[]> {
  return (await read("Dockerfile"))
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Build-context sources of COPY instructions (not --from another stage). */
async function contextSources(): Promise<string[]> {
  return (await instructions())
    .filter((line) => line.startsWith("COPY ") && !line.includes("--from="))
    .flatMap((line) => line.split(/\s+/).slice(1, -1).filter((word) => !word.startsWith("--")));
}

describe("Dockerfile", () => {
  it("parses and lints clean with BuildKit's parser: a build stage and a runtime stage", () => {
    expect(parsed.stderr.replace(/^\[k8s-validate\] .*\n/gm, "")).toBe("");
    expect(parsed.ok).toBe(true);
    const stages = JSON.parse(parsed.stdout) as { name: string; commands: string[] }[];
    expect(stages.map((s) => s.name)).toEqual(["build", "runtime"]);
    expect(stages[1]!.commands).toEqual(expect.arrayContaining(["USER", "HEALTHCHECK", "ENTRYPOINT", "CMD"]));
  });

  it("is checked by a parser that refuses a misspelt flag and a lint failure", async () => {
    const broken = join(scratch, "Dockerfile");
    await writeFile(broken, "FROM node:24 as Build\nHEALTHCHECK --intervall=30s CMD true\n");
    const result = await checkDockerfile(broken);
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain("unknown flag: --intervall");
    expect(result.stderr).toContain("StageNameCasing");
  });

  it("copies every workspace's package.json before npm ci", async () => {
    const workspaces = (JSON.parse(await read("package.json")) as { workspaces: string[] }).workspaces;
    const sources = await contextSources();
    for (const workspace of workspaces) expect(sources).toContain(`${workspace}/package.json`);
  });

  it("copies nothing the build context lacks or .dockerignore leaves out", async () => {
    const ignored = (await read(".dockerignore")).split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
    for (const source of await contextSources()) {
      if (source === ".") continue;
      await expect(read(source)).resolves.toBeTypeOf("string");
      for (const pattern of ignored) expect(source.startsWith(pattern.replace(/^\*\*\//, ""))).toBe(false);
    }
  });

  it("runs the CLI's bin under tini, and health-checks the port its default command serves", async () => {
    const lines = await instructions();
    const bin = (JSON.parse(await read("cli/package.json")) as { bin: Record<string, string> }).bin.lingostream;
    expect(bin).toBe("./bin/lingostream");
    expect(lines).toContain("ENTRYPOINT [\"/usr/bin/tini\", \"--\", \"lingostream\"]");
    expect(lines.some((line) => line.includes("ln -s /app/cli/bin/lingostream /usr/local/bin/lingostream"))).toBe(true);
    const cmd = JSON.parse(lines.find((line) => line.startsWith("CMD "))!.slice(4)) as string[];
    const port = cmd[cmd.indexOf("--metrics-port") + 1];
    expect(cmd.slice(0, 2)).toEqual(["worker", "all"]);
    expect(lines).toContain(`EXPOSE ${port}`);
    expect(lines.find((line) => line.startsWith("HEALTHCHECK "))).toContain(`http://127.0.0.1:${port}/healthz`);
  });

  it("installs Debian packages through bootstrap.sh's groups, not a list of its own", async () => {
    const installs = (await instructions()).filter((line) => line.includes("apt-get install"));
    expect(installs).toEqual([]);
    const runs = (await instructions()).filter((line) => line.includes("bootstrap.sh apt"));
    expect(runs.map((line) => /bootstrap\.sh apt ([\w -]+?)(?: &&|$)/.exec(line)?.[1])).toEqual(["runtime build", "runtime tini"]);
  });
});
