// Locations inside the repository that the command needs at run time. An
// installed package has none of them: the commands that need one say so.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PipelineError } from "@lingostream/runtime";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const STACK_SCRIPT = fileURLToPath(new URL("../../infra/local-stack/stack.sh", import.meta.url));

/** `path` when this command runs from a checkout; otherwise a usage error naming what needs one. */
export function inCheckout(path: string, what: string): string {
  if (existsSync(path) && existsSync(join(REPO_ROOT, "package-lock.json"))) return path;
  throw new PipelineError(
    "config-invalid",
    `${what} runs from a checkout of the lingostream repository, not from an installed package; point KAFKA_BROKERS, SCHEMA_REGISTRY_URL and S3_ENDPOINT at a running stack instead`,
  );
}
