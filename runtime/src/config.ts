// Typed configuration from the environment (and an optional JSON file), validated
// at start so that every problem is reported at once with the variable's name.

import { readFileSync } from "node:fs";
import { PipelineError } from "@lingostream/errors";

export type Env = Readonly<Record<string, string | undefined>>;

export interface Field<T> {
  /** Environment variable that sets it. */
  env: string;
  /** One line for the README's configuration table: meaning, unit. */
  doc: string;
  /** Value when unset; `undefined` makes the variable optional. */
  default: T;
  /** What the variable accepts, used in error messages. */
  accepts: string;
  parse(raw: string): T;
  /** Secrets are never printed. */
  secret?: boolean;
}

export type ConfigSpec = Record<string, Field<unknown>>;
export type ConfigOf<S extends ConfigSpec> = { -readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/** Where the file of settings comes from; its keys are the same variable names. */
export const CONFIG_FILE_ENV = "LINGOSTREAM_CONFIG_FILE";

/** Every problem at once, on one line: a terminal shows it whole and a log keeps it as one record. */
export class ConfigError extends PipelineError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super("config-invalid", `invalid configuration: ${problems.join("; ")}`);
    this.problems = problems;
  }
}

/** Reads the optional config file and overlays the environment on it. */
export function mergedEnv(env: Env): Env {
  const file = env[CONFIG_FILE_ENV];
  if (!file) return env;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError([`${CONFIG_FILE_ENV}: cannot read ${file} as JSON (${(err as Error).message})`]);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`${CONFIG_FILE_ENV}: ${file} must hold a JSON object of VARIABLE: value`]);
  }
  const fromFile: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) fromFile[key] = String(value);
  return { ...fromFile, ...env };
}

export function loadConfig<S extends ConfigSpec>(spec: S, env: Env): ConfigOf<S> {
  const source = mergedEnv(env);
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(spec)) {
    const raw = source[field.env];
    if (raw === undefined || raw === "") {
      out[key] = field.default;
      continue;
    }
    try {
      out[key] = field.parse(raw.trim());
    } catch (err) {
      const shown = field.secret ? "(hidden)" : JSON.stringify(raw);
      problems.push(`${field.env}=${shown} is not valid: ${(err as Error).message}; accepts ${field.accepts}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}

/** A copy safe to print: secrets replaced. */
export function redactConfig<S extends ConfigSpec>(spec: S, config: ConfigOf<S>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(spec)) {
    const value = config[key as keyof S];
    out[key] = field.secret && value !== undefined ? "***" : value;
  }
  return out;
}

/** Markdown rows for the README's configuration table. */
export function configTable(spec: ConfigSpec): string {
  const rows = Object.values(spec).map((f) => {
    const def = f.secret ? "" : f.default === undefined ? "" : `\`${formatDefault(f.default)}\``;
    return `| \`${f.env}\` | ${f.doc} | ${def} |`;
  });
  return ["| variable | meaning | default |", "|---|---|---|", ...rows].join("\n");
}

function formatDefault(value: unknown): string {
  return Array.isArray(value) ? value.join(",") : String(value);
}

// ---- field builders ----

type Base<T> = { env: string; doc: string; default: T; secret?: boolean };

export function str(f: Base<string>): Field<string>;
export function str(f: Base<string | undefined>): Field<string | undefined>;
export function str(f: Base<string | undefined>): Field<string | undefined> {
  return { ...f, accepts: "a string", parse: (raw) => raw };
}

export function int(f: Base<number> & { min?: number; max?: number }): Field<number> {
  const min = f.min ?? Number.MIN_SAFE_INTEGER;
  const max = f.max ?? Number.MAX_SAFE_INTEGER;
  return {
    ...f,
    accepts: `an integer from ${min} to ${max}`,
    parse(raw) {
      if (!/^-?\d+$/.test(raw)) throw new Error("not an integer");
      const n = Number(raw);
      if (n < min || n > max) throw new Error("out of range");
      return n;
    },
  };
}

export function num(f: Base<number> & { min?: number; max?: number }): Field<number> {
  const min = f.min ?? -Number.MAX_VALUE;
  const max = f.max ?? Number.MAX_VALUE;
  return {
    ...f,
    accepts: `a number from ${min} to ${max}`,
    parse(raw) {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Error("not a number");
      if (n < min || n > max) throw new Error("out of range");
      return n;
    },
  };
}

export function bool(f: Base<boolean>): Field<boolean> {
  return {
    ...f,
    accepts: "true or false (also 1/0, yes/no)",
    parse(raw) {
      const v = raw.toLowerCase();
      if (["true", "1", "yes", "on"].includes(v)) return true;
      if (["false", "0", "no", "off"].includes(v)) return false;
      throw new Error("not a boolean");
    },
  };
}

/** A count, or "auto" for a default the caller works out from the machine (cores, memory). */
export function countOrAuto(f: Base<number | "auto"> & { min?: number; max?: number }): Field<number | "auto"> {
  const count = int({ ...f, default: 0 });
  return {
    ...f,
    accepts: `auto or ${count.accepts}`,
    parse: (raw) => (raw.toLowerCase() === "auto" ? "auto" : count.parse(raw)),
  };
}

export function oneOf<const T extends string>(f: Base<T> & { values: readonly T[] }): Field<T> {
  return {
    ...f,
    accepts: `one of ${f.values.join(", ")}`,
    parse(raw) {
      if (!(f.values as readonly string[]).includes(raw)) throw new Error("unknown value");
      return raw as T;
    },
  };
}

export function url(f: Base<string>): Field<string>;
export function url(f: Base<string | undefined>): Field<string | undefined>;
export function url(f: Base<string | undefined>): Field<string | undefined> {
  return {
    ...f,
    accepts: "an http:// or https:// URL",
    parse(raw) {
      const u = new URL(raw);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not http(s)");
      return raw.replace(/\/+$/, "");
    },
  };
}

export function hostPorts(f: Base<string[]>): Field<string[]> {
  return {
    ...f,
    accepts: "a comma-separated list of host:port",
    parse(raw) {
      const list = raw.split(",").map((s) => s.trim()).filter(Boolean);
      if (list.length === 0) throw new Error("empty list");
      for (const hp of list) {
        const m = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(hp);
        if (!m || Number(m[2]) > 65535) throw new Error(`"${hp}" is not host:port`);
      }
      return list;
    },
  };
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** Parses "512MiB", "2GB", "1048576". */
export function parseBytes(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim());
  const unit = (m?.[2] ?? "").toLowerCase() || "b";
  const factor = UNITS[unit];
  if (!m || factor === undefined) throw new Error("not a byte size");
  return Math.round(Number(m[1]) * factor);
}

export function bytes(f: Base<number>): Field<number>;
export function bytes(f: Base<number | undefined>): Field<number | undefined>;
export function bytes(f: Base<number | undefined>): Field<number | undefined> {
  return { ...f, accepts: "a byte size such as 1048576, 512MiB or 2GB", parse: parseBytes };
}
