// How memory sources read kernel files: asynchronously (never blocking the event
// loop) and tolerant of absence, since every source is optional on some host.

import { readFile } from "node:fs/promises";

/** Text of a file, or undefined when it is absent or unreadable. Injected in tests. */
export type ReadText = (path: string) => Promise<string | undefined>;

export const readTextIfPresent: ReadText = async (path) => {
  try {
    return await readFile(path, "utf8");
  } catch {
    // ENOENT, EACCES, EOPNOTSUPP (PSI compiled in but disabled): all mean "this source is not here".
    return undefined;
  }
};
