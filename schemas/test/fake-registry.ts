// In-memory stand-in for the Confluent-compatible registry API, installed as
// globalThis.fetch, so unit tests reach the serde's own logic (caching, resolving,
// retries, error codes) without I/O. That the library really talks to a registry is
// for the integration tests against the real one.
//
// @kafkajs/confluent-schema-registry sends through mappersmith, which on Node uses
// its http gateway and keeps its own reference to fetch; while installed, mappersmith
// (the copy the library loads) is switched to its fetch gateway over this fake.

import { createRequire } from "node:module";
import { vi } from "vitest";

interface MappersmithConfigs {
  gateway: unknown;
  fetch: typeof fetch | null;
}

const requireFromLibrary = createRequire(createRequire(import.meta.url).resolve("@kafkajs/confluent-schema-registry"));
const mappersmith = requireFromLibrary("mappersmith") as { configs: MappersmithConfigs };
const { Fetch } = requireFromLibrary("mappersmith/gateway/fetch") as { Fetch: unknown };

export interface FakeRegistry {
  /** Schema text by id; tests may add writer schemas directly. */
  schemas: Map<number, string>;
  /** "METHOD /path" of every request, in order. */
  calls: string[];
  /** When set, every request fails like this instead of answering. */
  outage: "refused" | 503 | undefined;
  /** When set and it returns something, that answers the request (an Error is thrown like a failed connection). */
  intercept: ((method: string, path: string) => Response | Error | undefined) | undefined;
  restore(): void;
}

export function installFakeRegistry(): FakeRegistry {
  const schemas = new Map<number, string>();
  const configs = new Map<string, string>();
  const versions = new Map<string, number[]>();
  const { gateway, fetch: mappersmithFetch } = mappersmith.configs;
  const registry: FakeRegistry = {
    schemas,
    calls: [],
    outage: undefined,
    intercept: undefined,
    restore: () => {
      Object.assign(mappersmith.configs, { gateway, fetch: mappersmithFetch });
      spy.mockRestore();
    },
  };
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = new URL(String(input));
    const method = (init?.method ?? "GET").toUpperCase();
    const path = decodeURIComponent(url.pathname.replace(/^\/api/, ""));
    registry.calls.push(`${method} ${path}`);
    const intercepted = registry.intercept?.(method, path);
    if (intercepted instanceof Error) throw intercepted;
    if (intercepted) return intercepted;
    if (registry.outage === "refused") throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") });
    if (registry.outage === 503) return json(503, { message: "down" });
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, string>) : {};
    let m = /^\/schemas\/ids\/(\d+)$/.exec(path);
    if (m && method === "GET") {
      const schema = schemas.get(Number(m[1]));
      return schema ? json(200, { schema }) : json(404, { error_code: 40403, message: `Schema ${m[1]} not found` });
    }
    m = /^\/config\/(.+)$/.exec(path);
    if (m?.[1]) {
      const subject = m[1];
      if (method === "PUT") {
        configs.set(subject, body.compatibility ?? "");
        return json(200, { compatibility: body.compatibility });
      }
      const level = configs.get(subject);
      return level ? json(200, { compatibilityLevel: level }) : json(404, { error_code: 40401, message: "not found" });
    }
    m = /^\/subjects\/(.+)\/versions$/.exec(path);
    if (m?.[1] && method === "POST") {
      const text = body.schema ?? "";
      let id = [...schemas].find(([, s]) => s === text)?.[0];
      if (id === undefined) {
        id = schemas.size + 100;
        schemas.set(id, text);
      }
      versions.set(m[1], [...(versions.get(m[1]) ?? []), id]);
      return json(200, { id });
    }
    return json(404, { error_code: 404, message: `no route ${method} ${path}` });
  });
  Object.assign(mappersmith.configs, { gateway: Fetch, fetch: (...args: Parameters<typeof fetch>) => globalThis.fetch(...args) });
  return registry;
}

export const FAKE_REGISTRY_URL = "http://registry.invalid/api";
