// Per-tenant settings (share of ASR capacity, limits) from one variable every
// service reads, so the segmenter, the ASR workers and the sink agree on them.
// Tenants not named get the service's defaults; a bad entry stops the start
// with a message naming it. Read once at start: a change needs a worker restart.

import { type Field, parseBytes } from "./config.ts";
import { isValidId } from "./ids.ts";

export interface TenantSettings {
  /** Share of ASR capacity relative to other tenants' weights (default 1). */
  weight?: number;
  /** Segments of the tenant transcribed at once per ASR worker. */
  maxInFlight?: number;
  /** Longest media one job of the tenant may have, seconds. */
  maxMediaSeconds?: number;
  /** Most PCM one job of the tenant may decode to at its own rate and channels, bytes. */
  maxDecodedBytes?: number;
}

type Key = keyof TenantSettings;

const PARSERS: Record<Key, { accepts: string; parse(raw: string): number }> = {
  weight: { accepts: "a number from 0.01 to 1000", parse: (raw) => bounded(Number(raw), 0.01, 1000) },
  maxInFlight: { accepts: "a whole number from 1 to 256", parse: (raw) => bounded(Number(raw), 1, 256, true) },
  maxMediaSeconds: { accepts: "seconds > 0", parse: (raw) => bounded(Number(raw), 1e-3, Number.MAX_SAFE_INTEGER) },
  maxDecodedBytes: { accepts: "a byte size such as 20GiB", parse: (raw) => bounded(parseBytes(raw), 1, Number.MAX_SAFE_INTEGER, true) },
};

export class TenantTable {
  readonly #entries: ReadonlyMap<string, Readonly<TenantSettings>>;

  constructor(entries: ReadonlyMap<string, Readonly<TenantSettings>> = new Map()) {
    this.#entries = entries;
  }

  /** What the table sets for the tenant; fields it leaves out take the service's defaults. */
  get(tenant: string): Readonly<TenantSettings> {
    return this.#entries.get(tenant) ?? {};
  }

  /** Tenants named in the table, in the order written. */
  get tenants(): string[] {
    return [...this.#entries.keys()];
  }

  /** The weight a tenant gets: its own or 1. */
  weight(tenant: string): number {
    return this.get(tenant).weight ?? 1;
  }

  /** As written, for the configuration table and logs. */
  toString(): string {
    if (this.#entries.size === 0) return "(none)";
    return [...this.#entries].map(([tenant, s]) => `${tenant}:${Object.entries(s).map(([k, v]) => `${k}=${v}`).join(",")}`).join(";");
  }
}

/**
 * Parses `acme:weight=3,maxInFlight=2;beta:maxMediaSeconds=172800`: entries
 * separated by ";", each a tenant id, ":" and key=value pairs separated by ",".
 * Throws one Error naming every bad entry.
 */
export function parseTenantTable(raw: string): TenantTable {
  const entries = new Map<string, TenantSettings>();
  const problems: string[] = [];
  for (const text of raw.split(";").map((e) => e.trim()).filter((e) => e !== "")) {
    const colon = text.indexOf(":");
    const tenant = (colon < 0 ? text : text.slice(0, colon)).trim();
    const where = `entry ${JSON.stringify(text)}`;
    if (!isValidId(tenant)) {
      problems.push(`${where}: ${JSON.stringify(tenant)} is not a tenant id`);
      continue;
    }
    if (entries.has(tenant)) {
      problems.push(`${where}: tenant ${tenant} is named twice`);
      continue;
    }
    const settings: TenantSettings = {};
    const pairs = colon < 0 ? [] : text.slice(colon + 1).split(",").map((p) => p.trim()).filter((p) => p !== "");
    if (pairs.length === 0) problems.push(`${where}: sets nothing (use tenant:key=value,…)`);
    for (const pair of pairs) {
      const [key = "", value = "", ...rest] = pair.split("=").map((p) => p.trim());
      const parser = Object.hasOwn(PARSERS, key) ? PARSERS[key as Key] : undefined;
      if (parser === undefined) {
        problems.push(`${where}: unknown key ${JSON.stringify(key)} (known: ${Object.keys(PARSERS).join(", ")})`);
        continue;
      }
      try {
        if (rest.length > 0 || value === "") throw new Error("bad value");
        settings[key as Key] = parser.parse(value);
      } catch {
        problems.push(`${where}: ${key}=${JSON.stringify(value)} is not ${parser.accepts}`);
      }
    }
    entries.set(tenant, settings);
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
  return new TenantTable(entries);
}

export function tenantTable(f: { env: string; doc: string }): Field<TenantTable> {
  return { ...f, default: new TenantTable(), accepts: "tenant:key=value,…;… with keys weight, maxInFlight, maxMediaSeconds, maxDecodedBytes", parse: parseTenantTable };
}

function bounded(value: number, min: number, max: number, whole = false): number {
  if (!Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) throw new Error("out of range");
  return value;
}
