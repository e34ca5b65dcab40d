// Tenant, job and segment ids become parts of object keys and file names, so
// they are validated at the edge against one documented pattern.

import { PipelineError } from "@lingostream/errors";

/** Letters, digits, dot, underscore, dash; starts with a letter or digit; 1-128 chars; no "..". */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value) && !value.includes("..");
}

export function assertValidId(kind: "tenant" | "job id" | "segment id", value: string): string {
  if (!isValidId(value)) {
    const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
    throw new PipelineError(
      "invalid-id",
      `invalid ${kind} ${shown}: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'`,
    );
  }
  return value;
}

/** A readable, key-safe id derived from an arbitrary name (file names may be hostile). */
export function slugify(name: string, maxLength = 48): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/-+\./g, ".")
    .replace(/^[^A-Za-z0-9]+/, "")
    .replace(/-+$/, "")
    .slice(0, maxLength);
  return slug.length > 0 ? slug : "media";
}
