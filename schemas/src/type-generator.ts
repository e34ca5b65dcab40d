// Renders src/generated/types.ts from the topic schemas, walking the avsc Types
// themselves so the TypeScript shapes are the ones avsc reads and writes.

import { schemaFileName, TOPIC_KEYS, topicSchema, topicType } from "./topic-schemas.ts";
import type { TopicKey } from "./topics.ts";

export const GENERATED_TYPES_FILE = new URL("./generated/types.ts", import.meta.url);

// What the generator reads off an avsc Type (typings lack fields' docs and branchName).
export interface TypeNode {
  typeName: string;
  name?: string;
  doc?: string;
  branchName?: string;
  fields?: FieldNode[];
  symbols?: string[];
  types?: TypeNode[];
  itemsType?: TypeNode;
  valuesType?: TypeNode;
  schema(opts?: { exportAttrs?: boolean }): unknown;
}

interface FieldNode {
  name: string;
  doc?: string;
  type: TypeNode;
  /** undefined when the field has no default. */
  defaultValue(): unknown;
}

interface NamedDefinition {
  node: TypeNode;
  /** The definition as written, to prove a type defined in several files is the same everywhere. */
  canonical: string;
  file: string;
}

const HEADER = `// Generated from schemas/avro/*.avsc by schemas/scripts/generate-types.ts. Do not edit:
// change the .avsc files, then run \`npm run gen:types -w @lingostream/schemas\`.
// Shapes are what avsc (wrapUnions "auto") reads and writes: long is number, bytes is
// Buffer, ["null", T] is T | null, and a union of records is wrapped as { "<full name>": value }.
`;

/** The full text of src/generated/types.ts. */
export function generateTypes(): string {
  const roots = TOPIC_KEYS.map((key) => ({
    key,
    file: schemaFileName(key),
    node: topicType(key) as unknown as TypeNode,
    raw: topicSchema(key),
  }));
  const named = collectNamedTypes(roots);
  const out: string[] = [HEADER];
  for (const { node } of named.values()) {
    out.push(node.typeName === "enum" ? renderEnum(node) : renderRecord(node));
  }
  out.push(renderTopicValues(roots));
  return out.join("\n");
}

/**
 * Named types in first-seen order. Each topic file is self-contained, so shared types
 * (AudioSegment, PressureLevel, ...) are written out in several files; the copies
 * must be identical, compared as written (avsc's own schema() drops enum defaults).
 */
export function collectNamedTypes(roots: NamedTypeRoot[]): Map<string, NamedDefinition> {
  const named = new Map<string, NamedDefinition>();
  const shortNames = new Map<string, string>();
  for (const { file, node: root, raw } of roots) {
    const written = new Map<string, string>();
    writtenDefinitions(raw, undefined, written);
    const seenInFile = new Set<TypeNode>();
    const visit = (node: TypeNode): void => {
      if (seenInFile.has(node)) return;
      seenInFile.add(node);
      if (node.typeName === "record" || node.typeName === "error" || node.typeName === "enum") {
        const fullName = node.name ?? "";
        const canonical = written.get(fullName) ?? "";
        const existing = named.get(fullName);
        if (existing) {
          if (existing.canonical !== canonical) {
            throw new Error(
              `${fullName} is defined differently in ${existing.file} and ${file}; shared types must be identical copies`,
            );
          }
        } else {
          const short = shortName(fullName);
          const clash = shortNames.get(short);
          if (clash) throw new Error(`${fullName} and ${clash} would both be called ${short} in TypeScript`);
          shortNames.set(short, fullName);
          named.set(fullName, { node, canonical, file });
        }
      }
      for (const field of node.fields ?? []) visit(field.type);
      for (const branch of node.types ?? []) visit(branch);
      if (node.itemsType) visit(node.itemsType);
      if (node.valuesType) visit(node.valuesType);
    };
    visit(root);
  }
  return named;
}

export interface NamedTypeRoot {
  file: string;
  /** The avsc Type built from `raw`. */
  node: TypeNode;
  /** The schema JSON as written in the file. */
  raw: unknown;
}

/** Named type definitions in a schema JSON, by full name, as JSON text. */
function writtenDefinitions(schema: unknown, namespace: string | undefined, out: Map<string, string>): void {
  if (Array.isArray(schema)) {
    for (const branch of schema) writtenDefinitions(branch, namespace, out);
    return;
  }
  if (schema === null || typeof schema !== "object") return;
  const node = schema as Record<string, unknown>;
  let ns = namespace;
  if (typeof node.name === "string" && ["record", "error", "enum", "fixed"].includes(String(node.type))) {
    const dot = node.name.lastIndexOf(".");
    ns = dot >= 0 ? node.name.slice(0, dot) : typeof node.namespace === "string" ? node.namespace : namespace;
    out.set(dot >= 0 || !ns ? node.name : `${ns}.${node.name}`, JSON.stringify(node));
  }
  if (Array.isArray(node.fields)) {
    for (const field of node.fields as { type?: unknown }[]) writtenDefinitions(field.type, ns, out);
  }
  if (typeof node.type === "object") writtenDefinitions(node.type, ns, out);
  writtenDefinitions(node.items, ns, out);
  writtenDefinitions(node.values, ns, out);
}

function renderRecord(node: TypeNode): string {
  const lines = [jsDoc(node.doc, ""), `export interface ${shortName(node.name ?? "")} {`];
  for (const field of node.fields ?? []) {
    lines.push(jsDoc(field.doc, "  "));
    if (field.type.typeName === "union:wrapped") {
      // One branch per line: these are the unions readers switch on.
      lines.push(`  ${field.name}:`);
      const branches = (field.type.types ?? []).map(wrappedBranch);
      branches.forEach((branch, i) => {
        lines.push(`    | ${branch}${i === branches.length - 1 ? ";" : ""}`);
      });
    } else {
      // avsc writes a field's default when the value leaves it out, so a field
      // added with a (non-null) default may be omitted by writers: older code that
      // builds events keeps compiling. Readers always get it filled in.
      const optional = field.defaultValue() !== undefined && field.defaultValue() !== null;
      lines.push(`  ${field.name}${optional ? "?" : ""}: ${tsType(field.type)};`);
    }
  }
  lines.push("}", "");
  return lines.filter((line) => line !== "").join("\n").concat("\n");
}

function renderEnum(node: TypeNode): string {
  const name = shortName(node.name ?? "");
  const symbols = (node.symbols ?? []).map((s) => JSON.stringify(s));
  const constName = `${name.replace(/(?<=[a-z0-9])(?=[A-Z])/g, "_").toUpperCase()}_SYMBOLS`;
  return [
    jsDoc(node.doc, ""),
    `export type ${name} = ${symbols.join(" | ")};`,
    "",
    `/** Symbols of ${name} in schema order. */`,
    `export const ${constName}: readonly ${name}[] = [${symbols.join(", ")}];`,
    "",
  ].join("\n");
}

function renderTopicValues(roots: { key: TopicKey; node: TypeNode }[]): string {
  const lines = ["/** Value type of each topic, by topic key (see topics.ts). */", "export interface TopicValues {"];
  for (const { key, node } of roots) lines.push(`  ${key}: ${shortName(node.name ?? "")};`);
  lines.push("}", "");
  return lines.join("\n");
}

function tsType(node: TypeNode): string {
  switch (node.typeName) {
    case "null":
      return "null";
    case "boolean":
      return "boolean";
    case "int":
    case "long":
    case "float":
    case "double":
      return "number";
    case "string":
      return "string";
    case "bytes":
    case "fixed":
      return "Buffer";
    case "record":
    case "error":
    case "enum":
      return shortName(node.name ?? "");
    case "array": {
      const items = tsType(required(node.itemsType, "array items"));
      return items.includes(" ") ? `Array<${items}>` : `${items}[]`;
    }
    case "map":
      return `Record<string, ${tsType(required(node.valuesType, "map values"))}>`;
    case "union:unwrapped": {
      // Avro puts "null" first (for the default); TypeScript reads better as T | null.
      const branches = (node.types ?? []).map(tsType);
      return [...branches.filter((b) => b !== "null"), ...branches.filter((b) => b === "null")].join(" | ");
    }
    case "union:wrapped":
      return (node.types ?? []).map(wrappedBranch).join(" | ");
    default:
      throw new Error(`no TypeScript mapping for Avro type ${node.typeName}; extend type-generator.ts`);
  }
}

function wrappedBranch(branch: TypeNode): string {
  if (branch.typeName === "null") return "null";
  return `{ ${JSON.stringify(branch.branchName)}: ${tsType(branch)} }`;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`avsc type without ${what}`);
  return value;
}

function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf(".") + 1);
}

function jsDoc(doc: string | undefined, indent: string): string {
  if (!doc) return "";
  return `${indent}/** ${doc.replaceAll("*/", "*\\/").replace(/\s*\n\s*/g, " ")} */`;
}
