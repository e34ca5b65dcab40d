import { parseTenantTable, TenantTable } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { bufferedByTenant, tenantOverShare, tenantShares } from "./tenant-share.ts";

const MiB = 1024 * 1024;

describe("result quota divided among tenants", () => {
  it("lets a tenant alone use the whole quota", () => {
    expect(tenantShares(new Map([["big", 60 * MiB]]), 64 * MiB, new TenantTable())).toEqual(new Map([["big", 64 * MiB]]));
    expect(tenantOverShare(new Map([["big", 60 * MiB]]), 64 * MiB, new TenantTable())).toBeUndefined();
  });

  it("finds the tenant over its part once another tenant has results buffered", () => {
    const buffered = new Map([
      ["big", 40 * MiB],
      ["small", 1 * MiB],
    ]);
    expect(tenantOverShare(buffered, 64 * MiB, new TenantTable())).toBe("big");
    expect(tenantOverShare(new Map([...buffered, ["big", 30 * MiB]]), 64 * MiB, new TenantTable())).toBeUndefined();
  });

  it("divides by weight and ignores tenants with nothing buffered", () => {
    const shares = tenantShares(
      new Map([
        ["a", 1],
        ["b", 1],
        ["idle", 0],
      ]),
      64 * MiB,
      parseTenantTable("a:weight=3"),
    );
    expect(shares).toEqual(
      new Map([
        ["a", 48 * MiB],
        ["b", 16 * MiB],
      ]),
    );
  });

  it("sums each tenant's bytes across partition buffers", () => {
    const sums = bufferedByTenant([{ bufferedByTenant: new Map([["a", 10]]) }, { bufferedByTenant: new Map([["a", 5], ["b", 7]]) }]);
    expect(sums).toEqual(
      new Map([
        ["a", 15],
        ["b", 7],
      ]),
    );
  });
});
