// The Dockerfile, with no engine to build it here: parsed and linted by
// BuildKit's own parser (infra/k8s/validate), and held to what proves its file
// system (infra/image/build-rootfs.sh): the same install.sh stages and prefix,
// the same HEALTHCHECK, on the port the default command serves, run by the
// CLI under tini.

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

  it("installs through infra/image/install.sh's stages into one prefix, as build-rootfs.sh does", async () => {
    const lines = await instructions();
    const stages = lines.filter((line) => line.includes("install.sh ")).map((line) => /install\.sh (\S+) (\S+)/.exec(line)?.slice(1));
    expect(stages).toEqual([
      ["build", "/opt/lingostream"],
      ["runtime", "/opt/lingostream"],
      ["whisper-venv", "/opt/lingostream"],
    ]);
    expect(lines).toContain("COPY --from=build /opt/lingostream /opt/lingostream");
    expect((await read("infra/image/build-rootfs.sh")).match(/^PREFIX=(.*)$/m)?.[1]).toBe("/opt/lingostream");
    // Debian packages come from bootstrap.sh's groups through install.sh, never from a list here.
    expect(lines.filter((line) => /apt-get|apt install/.test(line))).toEqual([]);
  });

  it("leaves in the build context what the build stage reads", async () => {
    const ignored = (await read(".dockerignore")).split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
    const needed = ["infra/image/install.sh", "infra/image/pack.ts", "scripts/bootstrap.sh", "package-lock.json", "infra/topics/topics.json", "processors/asr/native/ps-decoder.c"];
    for (const path of needed) {
      await expect(read(path)).resolves.toBeTypeOf("string");
      for (const pattern of ignored) expect(`${path} excluded by ${pattern}: ${path.startsWith(pattern.replace(/^\*\*\//, ""))}`).toBe(`${path} excluded by ${pattern}: false`);
    }
  });

  it("runs the CLI under tini as the non-root user, and health-checks the port its default command serves as build-rootfs.sh does", async () => {
    const lines = await instructions();
    expect(lines).toContain('ENTRYPOINT ["/usr/bin/tini", "--", "lingostream"]');
    expect(lines).toContain("USER 10001:10001");
    const cmd = JSON.parse(lines.find((line) => line.startsWith("CMD "))!.slice(4)) as string[];
    const port = cmd[cmd.indexOf("--metrics-port") + 1]!;
    expect(cmd.slice(0, 2)).toEqual(["worker", "all"]);
    expect(lines).toContain(`EXPOSE ${port}`);
    const healthcheck = JSON.parse(lines.find((line) => line.startsWith("HEALTHCHECK "))!.replace(/^.* CMD /, "")) as string[];
    expect(healthcheck.slice(0, 2)).toEqual(["node", "-e"]);
    // The proof runs "the Dockerfile's HEALTHCHECK command" against its own port.
    const proven = /^healthcheck="(.*)"$/m.exec(await read("infra/image/build-rootfs.sh"))?.[1];
    expect(proven?.replace("$metrics_port", port)).toBe(healthcheck[2]);
  });
});
