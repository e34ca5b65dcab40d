// The result-memory quota divided among tenants: while several tenants have
// results buffered, each may hold its weight's part of the quota, so one
// tenant's huge job cannot take all of it and force everyone's buffers out
// early. A tenant alone may use the whole quota.

import type { TenantTable } from "@lingostream/runtime";

/** Each buffered tenant's part of `quotaBytes`, by weight among the tenants buffered now. */
export function tenantShares(buffered: ReadonlyMap<string, number>, quotaBytes: number, tenants: TenantTable): Map<string, number> {
  const active = [...buffered].filter(([, bytes]) => bytes > 0).map(([tenant]) => tenant);
  const total = active.reduce((sum, tenant) => sum + tenants.weight(tenant), 0);
  return new Map(active.map((tenant) => [tenant, (quotaBytes * tenants.weight(tenant)) / total]));
}

/** The tenant furthest over its part (by bytes over), if any is. */
export function tenantOverShare(buffered: ReadonlyMap<string, number>, quotaBytes: number, tenants: TenantTable): string | undefined {
  let worst: string | undefined;
  let worstOver = 0;
  for (const [tenant, share] of tenantShares(buffered, quotaBytes, tenants)) {
    const over = (buffered.get(tenant) ?? 0) - share;
    if (over > worstOver) {
      worst = tenant;
      worstOver = over;
    }
  }
  return worst;
}

/** Bytes buffered per tenant across the given buffers. */
export function bufferedByTenant(buffers: Iterable<{ bufferedByTenant: ReadonlyMap<string, number> }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const buffer of buffers) {
    for (const [tenant, bytes] of buffer.bufferedByTenant) out.set(tenant, (out.get(tenant) ?? 0) + bytes);
  }
  return out;
}
