// Rewrites the README's configuration table from the config specs.
import { readFileSync, writeFileSync } from "node:fs";
import { withConfigDocs } from "../cli/src/config-docs.ts";

const path = new URL("../README.md", import.meta.url);
writeFileSync(path, withConfigDocs(readFileSync(path, "utf8")));
