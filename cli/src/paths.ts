// Locations inside the repository that the command needs at run time.

import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const STACK_SCRIPT = fileURLToPath(new URL("../../infra/local-stack/stack.sh", import.meta.url));
