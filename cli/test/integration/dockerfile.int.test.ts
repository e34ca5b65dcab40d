// The Dockerfile against the checkout it is built from (no engine runs here):
// every workspace's manifest reaches `npm ci`, every file it copies is in the
// build context, the command it runs is the CLI's bin, and the port the
// HEALTHCHECK asks is the one the default command serves.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../src/paths.ts";

const read = (path: string) => readFile(join(REPO_ROOT, path), "utf8");

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
