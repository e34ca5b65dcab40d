import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";
import { parseTenantTable, tenantTable } from "./tenant-table.ts";

describe("tenant table", () => {
  it("reads each tenant's settings and leaves unnamed tenants to the defaults", () => {
    const table = parseTenantTable("acme:weight=3,maxInFlight=2; beta:maxMediaSeconds=172800,maxDecodedBytes=20GiB");
    expect(table.tenants).toEqual(["acme", "beta"]);
    expect(table.get("acme")).toEqual({ weight: 3, maxInFlight: 2 });
    expect(table.get("beta")).toEqual({ maxMediaSeconds: 172800, maxDecodedBytes: 20 * 1024 ** 3 });
    expect(table.weight("beta")).toBe(1);
    expect(table.get("stranger")).toEqual({});
  });

  it("names every malformed or unknown entry at once", () => {
    const parse = () => parseTenantTable("acme:weight=0;bad/tenant:weight=1;beta:speed=9;gamma;acme:weight=2;delta:maxInFlight=1.5");
    expect(parse).toThrow(/entry "acme:weight=0": weight="0" is not a number from 0.01 to 1000/);
    expect(parse).toThrow(/entry "bad\/tenant:weight=1": "bad\/tenant" is not a tenant id/);
    expect(parse).toThrow(/entry "beta:speed=9": unknown key "speed"/);
    expect(parse).toThrow(/entry "gamma": sets nothing/);
    expect(parse).toThrow(/entry "acme:weight=2": tenant acme is named twice/);
    expect(parse).toThrow(/entry "delta:maxInFlight=1.5": maxInFlight="1.5" is not a whole number/);
  });

  it("is a configuration field whose bad entry stops loading with the variable's name", () => {
    const spec = { tenants: tenantTable({ env: "LINGOSTREAM_TENANTS", doc: "per-tenant settings" }) };
    expect(loadConfig(spec, {}).tenants.tenants).toEqual([]);
    expect(() => loadConfig(spec, { LINGOSTREAM_TENANTS: "acme:wieght=3" })).toThrow(ConfigError);
    expect(() => loadConfig(spec, { LINGOSTREAM_TENANTS: "acme:wieght=3" })).toThrow(/LINGOSTREAM_TENANTS=.*entry "acme:wieght=3": unknown key "wieght"/);
  });
});
