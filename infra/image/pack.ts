// Packs the `lingostream` command as one npm tarball that installs anywhere
// Node 24 runs on this platform, with nothing to fetch: the CLI, every
// workspace it uses (compiled to dist/, with the files they read at run time)
// and its production dependencies, all bundled inside it. The CLI's and the
// workspaces' own dependencies are pinned to the versions of this checkout's
// lock; theirs resolve within their ranges when packing.
//   node infra/image/pack.ts [out-dir]   (default: dist/ at the repository root)
// Prints the tarball's path on stdout; progress goes to stderr.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = "@lingostream/cli";
const SCOPE = "@lingostream/";

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  bundleDependencies?: boolean;
  scripts?: Record<string, string>;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/** Runs a step with its output on stderr (stdout carries only the tarball's path); one line if it fails. */
function step(cmd: string, args: string[], cwd: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ["ignore", 2, "inherit"] });
  } catch {
    throw new Error(`\`${cmd} ${args.join(" ")}\` failed in ${cwd} (its output is above)`);
  }
}

/** npm pack's JSON report of what it packed. */
function npmPack(args: string[], cwd: string): { filename: string; size: number } {
  // It lists every file: a bundled install is several MB of it.
  const out = execFileSync("npm", ["pack", "--json", "--silent", ...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 256 * 1024 * 1024 });
  const [packed] = JSON.parse(out) as { filename: string; size: number }[];
  if (!packed) throw new Error(`npm pack printed nothing in ${cwd}`);
  return packed;
}

/** Folder of each workspace by package name, in the root package.json's order (dependencies first). */
function workspaceDirs(): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const dir of readJson<{ workspaces: string[] }>(join(ROOT, "package.json")).workspaces) {
    dirs.set(readJson<Manifest>(join(ROOT, dir, "package.json")).name, join(ROOT, dir));
  }
  return dirs;
}

/** The CLI and every workspace it depends on, directly or not, in build order. */
function productionWorkspaces(dirs: Map<string, string>): string[] {
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name)) return;
    needed.add(name);
    const deps = readJson<Manifest>(join(dirs.get(name) ?? "", "package.json")).dependencies ?? {};
    for (const dep of Object.keys(deps)) if (dep.startsWith(SCOPE)) visit(dep);
  };
  visit(CLI);
  return [...dirs.keys()].filter((name) => needed.has(name));
}

/** The version of `dep` that `dir`'s workspace runs with here, which is the lock's. */
function installedVersion(dep: string, dir: string): string {
  for (const base of [dir, ROOT]) {
    const manifest = join(base, "node_modules", dep, "package.json");
    if (existsSync(manifest)) return readJson<Manifest>(manifest).version;
  }
  throw new Error(`${dep} is not installed in this checkout: run npm ci first`);
}

const outDir = resolve(process.argv[2] ?? join(ROOT, "dist"));
const dirs = workspaceDirs();
const names = productionWorkspaces(dirs);
const work = mkdtempSync(join(tmpdir(), "lingostream-pack-"));
try {
  const tarballs = new Map<string, string>();
  for (const name of names) {
    process.stderr.write(`[pack] ${name}: compiling to dist/ and packing\n`);
    step("npm", ["run", "build:dist", "--silent", "--workspace", name], ROOT);
    tarballs.set(name, join(work, npmPack(["--pack-destination", work, "--workspace", name], ROOT).filename));
  }

  // The CLI's package with its production dependencies installed into its
  // node_modules, the other workspaces unpacked beside them, and all of them
  // bundled. (A tarball that left some to npm would lose them in a global
  // install: npm unpacks the bundle over the folder it has put them in.)
  const staging = join(work, "package");
  mkdirSync(staging);
  step("tar", ["-xzf", tarballs.get(CLI) ?? "", "-C", staging, "--strip-components=1"], ROOT);
  const thirdParty: Record<string, string> = {};
  for (const name of names) {
    const dir = dirs.get(name) ?? "";
    for (const dep of Object.keys(readJson<Manifest>(join(dir, "package.json")).dependencies ?? {})) {
      if (!dep.startsWith(SCOPE)) thirdParty[dep] ??= installedVersion(dep, dir);
    }
  }
  const manifest = readJson<Manifest>(join(staging, "package.json"));
  delete manifest.devDependencies;
  delete manifest.scripts;
  const writeManifest = (dependencies: Record<string, string>) => {
    manifest.dependencies = Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(join(staging, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  };
  // The workspaces are not in the registry: npm installs the rest, then they join.
  writeManifest(thirdParty);
  process.stderr.write(`[pack] installing ${Object.keys(thirdParty).length} production dependencies to bundle\n`);
  step("npm", ["install", "--omit=dev", "--ignore-scripts", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error"], staging);
  const workspaces: Record<string, string> = {};
  for (const name of names.filter((n) => n !== CLI)) {
    const into = join(staging, "node_modules", name);
    mkdirSync(into, { recursive: true });
    step("tar", ["-xzf", tarballs.get(name) ?? "", "-C", into, "--strip-components=1"], ROOT);
    workspaces[name] = readJson<Manifest>(join(into, "package.json")).version;
  }
  manifest.bundleDependencies = true;
  writeManifest({ ...thirdParty, ...workspaces });

  mkdirSync(outDir, { recursive: true });
  const tarball = npmPack(["--pack-destination", outDir], staging);
  process.stderr.write(`[pack] ${tarball.filename}: ${(tarball.size / 1e6).toFixed(1)} MB\n`);
  process.stdout.write(`${join(outDir, tarball.filename)}\n`);
} catch (err) {
  process.stderr.write(`[pack] ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
  // A checkout runs its sources; a dist/ left behind would be run, stale, by
  // any node started without the @lingostream/source condition.
  for (const name of names) rmSync(join(dirs.get(name) ?? "", "dist"), { recursive: true, force: true });
}
