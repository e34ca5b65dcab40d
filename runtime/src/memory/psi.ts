// Pressure stall information for memory (/proc/pressure/memory): the share of
// recent time tasks waited on memory. It rises before an OOM does, so it rides
// along with every sample, but levels are decided by bytes, not by PSI.

import type { ReadText } from "./read-text.ts";

export interface PsiMemory {
  /** Percent of the last 10 s in which some task stalled on memory. */
  someAvg10: number;
  /** Percent of the last 10 s in which all non-idle tasks stalled; null on kernels that omit the line. */
  fullAvg10: number | null;
}

export const PSI_MEMORY_PATH = "/proc/pressure/memory";

export function parsePsi(text: string): PsiMemory | undefined {
  const avg10 = (kind: "some" | "full"): number | undefined => {
    const m = new RegExp(`^${kind}\\s.*\\bavg10=(\\d+(?:\\.\\d+)?)`, "m").exec(text);
    return m?.[1] === undefined ? undefined : Number(m[1]);
  };
  const some = avg10("some");
  if (some === undefined) return undefined;
  return { someAvg10: some, fullAvg10: avg10("full") ?? null };
}

export async function readPsi(readText: ReadText, path = PSI_MEMORY_PATH): Promise<PsiMemory | undefined> {
  const text = await readText(path);
  return text === undefined ? undefined : parsePsi(text);
}
