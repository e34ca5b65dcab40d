// Which kinds of job source a segmenter opens. A JobRequested comes from
// whoever can write to asr.jobs: without a policy it could make a worker read
// its own files or fetch internal URLs, so cluster workers are best set to s3.

import { PipelineError } from "@lingostream/runtime";

export const SOURCE_KINDS = ["s3", "file", "http"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export function sourceKind(source: string): SourceKind | undefined {
  if (source.startsWith("s3://")) return "s3";
  if (/^https?:\/\//i.test(source)) return "http";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return source.startsWith("file://") ? "file" : undefined;
  return "file";
}

export function parseSourceKinds(raw: string): SourceKind[] {
  const kinds = raw.split(",").map((k) => k.trim().toLowerCase()).filter(Boolean);
  for (const k of kinds) if (!(SOURCE_KINDS as readonly string[]).includes(k)) throw new Error(`unknown source kind "${k}"`);
  if (kinds.length === 0) throw new Error("empty list");
  return kinds as SourceKind[];
}

export function assertSourceAllowed(source: string, allowed: readonly SourceKind[]): void {
  const kind = sourceKind(source);
  if (kind === undefined || !allowed.includes(kind)) {
    throw new PipelineError("invalid-id", `source kind ${kind ?? "unknown"} is not accepted by this segmenter (LINGOSTREAM_SEGMENTER_SOURCES=${allowed.join(",")})`);
  }
}
