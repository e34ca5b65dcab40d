import { describe, expect, it } from "vitest";
import { HandleRegistry } from "./audio-handles.ts";
import { isPidAlive, staleDirNames, TempArea, type TempFs } from "./temp-files.ts";

/** An in-memory file system: enough of one for the temp area's five calls. */
function memoryFs(initial: string[] = []) {
  const paths = new Set(initial);
  let n = 0;
  const fs: TempFs & { paths: Set<string>; fail?: boolean } = {
    paths,
    async mkdir(path) {
      paths.add(path);
    },
    async mkdtemp(prefix) {
      const dir = `${prefix}${String(++n).padStart(6, "0")}`;
      paths.add(dir);
      return dir;
    },
    async readdir(dir) {
      return [...paths].filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes("/")).map((p) => p.slice(dir.length + 1));
    },
    async rm(path) {
      if (fs.fail) throw new Error("EBUSY");
      for (const p of [...paths]) if (p === path || p.startsWith(`${path}/`)) paths.delete(p);
    },
  };
  return fs;
}

const alive = new Set([100, 200]);
const isAlive = (pid: number) => alive.has(pid);

describe("TempArea", () => {
  it("makes a directory of its own under lingostream-<role>, named by pid", async () => {
    const fs = memoryFs();
    const area = await TempArea.create({ role: "asr", root: "/tmp", pid: 100, fs, isAlive, registry: new HandleRegistry() });
    expect(area.base).toBe("/tmp/lingostream-asr");
    expect(area.dir).toMatch(/^\/tmp\/lingostream-asr\/100-\d+$/);
    expect(fs.paths.has(area.dir)).toBe(true);
  });

  it("sweeps away directories of processes that are gone, and only those", async () => {
    const fs = memoryFs([
      "/tmp/lingostream-asr",
      "/tmp/lingostream-asr/200-aaaaaa",
      "/tmp/lingostream-asr/300-bbbbbb",
      "/tmp/lingostream-asr/300-bbbbbb/1-seg.wav",
      "/tmp/lingostream-asr/not-ours",
    ]);
    const area = await TempArea.create({ role: "asr", root: "/tmp", pid: 100, fs, isAlive, registry: new HandleRegistry() });
    expect([...fs.paths].sort()).toEqual(["/tmp/lingostream-asr", "/tmp/lingostream-asr/200-aaaaaa", area.dir, "/tmp/lingostream-asr/not-ours"].sort());
  });

  it("picks stale names by pid, never its own", () => {
    expect(staleDirNames(["1-x", "100-y", "300-z", "junk", "7"], 1, isAlive)).toEqual(["300-z"]);
  });

  it("knows this process is alive and a free pid is not", () => {
    expect(isPidAlive(process.pid)).toBe(true);
    expect(isPidAlive(2 ** 22 + 12345)).toBe(false);
  });

  it("gives each file handle a fresh path and deletes the file on release, on every path", async () => {
    const fs = memoryFs();
    const registry = new HandleRegistry();
    const area = await TempArea.create({ role: "segmenter", root: "/t", pid: 100, fs, isAlive, registry });
    const a = area.file({ suffix: ".wav" });
    const b = area.file({ suffix: ".wav" });
    expect(a.path).not.toBe(b.path);
    expect(a.path.startsWith(`${area.dir}/`)).toBe(true);
    expect(a.path.endsWith(".wav")).toBe(true);
    expect(registry.countsFor("temp-file").live).toBe(2);

    fs.paths.add(a.path);
    await expect(
      (async () => {
        await using file = a;
        expect(fs.paths.has(file.path)).toBe(true);
        throw new Error("upload failed");
      })(),
    ).rejects.toThrow("upload failed");
    expect(fs.paths.has(a.path)).toBe(false);
    expect(a.released).toBe(true);

    await b.release();
    await b.release();
    expect(registry.countsFor("temp-file").live).toBe(0);
  });

  it("forgets a handle even when removing its file fails", async () => {
    const fs = memoryFs();
    const registry = new HandleRegistry();
    const area = await TempArea.create({ role: "asr", root: "/t", pid: 100, fs, isAlive, registry });
    const file = area.file();
    fs.fail = true;
    await expect(file.release()).rejects.toThrow("EBUSY");
    expect(registry.live).toBe(0);
  });

  it("removes its whole directory when disposed", async () => {
    const fs = memoryFs();
    const registry = new HandleRegistry();
    let dir = "";
    {
      await using area = await TempArea.create({ role: "asr", root: "/t", pid: 100, fs, isAlive, registry });
      dir = area.dir;
      fs.paths.add(area.file().path);
    }
    expect([...fs.paths].filter((p) => p.startsWith(dir))).toEqual([]);
  });

  it("refuses a role or suffix that would escape its directory", async () => {
    const registry = new HandleRegistry();
    await expect(TempArea.create({ role: "../etc", fs: memoryFs(), registry })).rejects.toThrow(RangeError);
    const area = await TempArea.create({ role: "asr", root: "/t", fs: memoryFs(), registry });
    expect(() => area.file({ suffix: "/../../x" })).toThrow(RangeError);
  });
});
