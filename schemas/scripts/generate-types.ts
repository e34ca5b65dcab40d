// Writes src/generated/types.ts from schemas/avro/*.avsc.
// Run as `npm run gen:types -w @lingostream/schemas` after any schema change.

import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { GENERATED_TYPES_FILE, generateTypes } from "../src/type-generator.ts";

writeFileSync(GENERATED_TYPES_FILE, generateTypes());
console.log(`wrote ${fileURLToPath(GENERATED_TYPES_FILE)}`);
