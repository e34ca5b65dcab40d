// In-memory stand-in for the Confluent-compatible registry API, installed as
// globalThis.fetch, so unit tests reach the serde's registry paths without I/O.

import { vi } from "vitest";

export interface FakeRegistry {
  /** Schema text by id; tests may add writer schemas directly. */
  schemas: Map<number, string>;
  /** "METHOD /path" of every request, in order. */
  calls: string[];
  /** When set, every request fails like this instead of answering. */
  outage: "refused" | 503 | undefined;
  restore(): void;
}

export function installFakeRegistry(): FakeRegistry {
  const schemas = new Map<number, string>();
  const configs = new Map<string, string>();
  const versions = new Map<string, number[]>();
  const registry: FakeRegistry = { schemas, calls: [], outage: undefined, restore: () => spy.mockRestore() };
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    const path = decodeURIComponent(url.pathname.replace(/^\/api/, ""));
    registry.calls.push(`${method} ${path}`);
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
  return registry;
}

export const FAKE_REGISTRY_URL = "http://registry.invalid/api";
