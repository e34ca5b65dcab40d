// The layer rule, checked over the repository's manifests and sources: a
// workspace's production code depends only on workspaces listed before it in
// the root package.json (errors, then schemas, then runtime, then the services
// and what composes them), declares every workspace it imports, and services
// never depend on one another. The installable build compiles in that order.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCOPE = "@lingostream/";
const SERVICE_DIRS = /^(?:producers|processors|sinks)\//;

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;
const workspaceDirs = readJson<{ workspaces: string[] }>(join(ROOT, "package.json")).workspaces;
const workspaces = workspaceDirs.map((dir) => ({ dir, manifest: readJson<Manifest>(join(ROOT, dir, "package.json")) }));
const order = workspaces.map(({ manifest }) => manifest.name);

function productionDependencies(manifest: Manifest): string[] {
  return Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith(SCOPE));
}

/**
 * Every workspace a production source file imports statically. Tests may also
 * import dev dependencies; a dynamic import() is an optional load (the CLI's
 * bench command finds the benchmark suite only in a checkout).
 */
function importedWorkspaces(dir: string): Set<string> {
  const imported = new Set<string>();
  const src = join(ROOT, dir, "src");
  for (const entry of readdirSync(src, { recursive: true, encoding: "utf8" })) {
    if (!entry.endsWith(".ts") || entry.endsWith(".test.ts")) continue;
    for (const [, name] of readFileSync(join(src, entry), "utf8").matchAll(/\bfrom\s+"(@lingostream\/[a-z0-9-]+)/g)) {
      if (name) imported.add(name);
    }
  }
  return imported;
}

describe("workspace layers", () => {
  it("keeps errors at the bottom and schemas on it alone", () => {
    expect(productionDependencies(readJson(join(ROOT, "errors/package.json")))).toEqual([]);
    expect(productionDependencies(readJson(join(ROOT, "schemas/package.json")))).toEqual(["@lingostream/errors"]);
  });

  it.each(workspaces.map(({ dir, manifest }) => [dir, manifest] as const))("%s depends only on workspaces listed before it", (_, manifest) => {
    const own = order.indexOf(manifest.name);
    const upward = productionDependencies(manifest).filter((name) => !(order.indexOf(name) >= 0 && order.indexOf(name) < own));
    expect(upward).toEqual([]);
  });

  it.each(workspaces.map(({ dir, manifest }) => [dir, manifest] as const))("%s declares every workspace its code imports", (dir, manifest) => {
    const declared = new Set([manifest.name, ...productionDependencies(manifest)]);
    expect([...importedWorkspaces(dir)].filter((name) => !declared.has(name))).toEqual([]);
  });

  it("keeps services apart: they meet only through topics and schemas", () => {
    const services = new Set(workspaces.filter(({ dir }) => SERVICE_DIRS.test(dir)).map(({ manifest }) => manifest.name));
    for (const { dir, manifest } of workspaces.filter(({ dir }) => SERVICE_DIRS.test(dir))) {
      expect(productionDependencies(manifest).filter((name) => services.has(name)), dir).toEqual([]);
    }
  });
});
