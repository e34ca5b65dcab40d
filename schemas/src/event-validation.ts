// Says where a value breaks its schema, as "path: expected X, got Y" lines, so a
// producer bug reads as a fix rather than as avsc's bare "invalid value".

import { inspect } from "node:util";
import type avro from "avsc";

interface TypeNode {
  typeName: string;
  name?: string;
  branchName?: string;
  symbols?: string[];
  types?: TypeNode[];
  itemsType?: TypeNode;
  valuesType?: TypeNode;
  fields?: { name: string }[];
}

/** Problems with `value` against `type`, empty when it encodes. */
export function invalidPaths(type: avro.Type, value: unknown): string[] {
  const problems: string[] = [];
  const hook = (path: string[], val: unknown, at: avro.Type): void => {
    problems.push(`${path.length ? path.join(".") : "(root)"}: expected ${describe(at as unknown as TypeNode)}, got ${show(val)}`);
  };
  if (type.isValid(value, { errorHook: hook })) {
    // Only once every field is right: avsc stops at the first record with an
    // extra field, which would hide the real errors below it.
    type.isValid(value, {
      noUndeclaredFields: true,
      errorHook: (path, val, at) => {
        const node = at as unknown as TypeNode;
        const known = new Set((node.fields ?? []).map((f) => f.name));
        const extra = Object.keys(val as object).filter((k) => !known.has(k));
        const where = path.length ? `${path.join(".")}.` : "";
        for (const key of extra) problems.push(`${where}${key}: not a field of ${describe(node)}`);
      },
    });
  }
  return problems;
}

function describe(type: TypeNode): string {
  switch (type.typeName) {
    case "record":
    case "error":
      return `record ${type.name}`;
    case "enum":
      return `one of ${(type.symbols ?? []).map((s) => JSON.stringify(s)).join(", ")}`;
    case "array":
      return `array of ${type.itemsType ? describe(type.itemsType) : "?"}`;
    case "map":
      return `map of ${type.valuesType ? describe(type.valuesType) : "?"}`;
    case "union:unwrapped":
      return (type.types ?? []).map(describe).join(" or ");
    case "union:wrapped":
      return `one of ${(type.types ?? [])
        .map((t) => (t.typeName === "null" ? "null" : `{ ${JSON.stringify(t.branchName)}: ... }`))
        .join(", ")}`;
    case "int":
      return "int (32-bit integer)";
    case "long":
      return "long (safe integer number)";
    case "bytes":
      return "bytes (Buffer)";
    default:
      return type.typeName;
  }
}

// Short, because values may be whole transcripts or audio buffers.
function show(value: unknown): string {
  const text = inspect(value, { depth: 0, breakLength: Number.POSITIVE_INFINITY, maxArrayLength: 3, maxStringLength: 40 });
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
