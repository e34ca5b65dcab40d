// Per-tenant metrics of the ASR processor. A tenant label is only ever a
// tenant named in LINGOSTREAM_TENANTS, or "other" for every tenant that is
// not, so the label's cardinality is the table's size plus one however many
// tenants send work (docs/fairness.md).

import { Counter, Gauge, type Registry, type TenantTable } from "@lingostream/runtime";
import type { Claim, FairGate } from "./fair-gate.ts";

export const OTHER_TENANTS = "other";

export function tenantLabel(tenants: TenantTable, tenant: string): string {
  return tenants.tenants.includes(tenant) ? tenant : OTHER_TENANTS;
}

export function registerTenantMetrics(registry: Registry, tenants: TenantTable) {
  let gate: FairGate | undefined;
  const labels = [...tenants.tenants, OTHER_TENANTS];
  /** Sets one gauge per label from the gate's queues at scrape time; labels without work read 0. */
  const fromQueues = (pick: (state: { waiting: number; held: number; inFlight: number }) => number) =>
    function (this: Gauge<"tenant">) {
      const sums = new Map(labels.map((label) => [label, 0]));
      for (const [tenant, state] of gate?.snapshot() ?? []) {
        const label = tenantLabel(tenants, tenant);
        sums.set(label, (sums.get(label) ?? 0) + pick(state));
      }
      for (const [tenant, value] of sums) this.set({ tenant }, value);
    };
  new Gauge({
    name: "lingostream_asr_tenant_segments_waiting",
    help: "segments fetched and waiting for a slot, by tenant (named in LINGOSTREAM_TENANTS, else other)",
    labelNames: ["tenant"],
    registers: [registry],
    collect: fromQueues((s) => s.waiting),
  });
  new Gauge({
    name: "lingostream_asr_tenant_segments_held",
    help: "segments waiting only because their tenant is at its maxInFlight, by tenant (held, not dropped)",
    labelNames: ["tenant"],
    registers: [registry],
    collect: fromQueues((s) => s.held),
  });
  new Gauge({
    name: "lingostream_asr_tenant_segments_in_flight",
    help: "segments being transcribed now, by tenant",
    labelNames: ["tenant"],
    registers: [registry],
    collect: fromQueues((s) => s.inFlight),
  });
  const audio = new Counter({
    name: "lingostream_asr_tenant_audio_seconds_total",
    help: "audio seconds given an ASR slot, by tenant: its share of ASR time is its rate over the sum of all",
    labelNames: ["tenant"],
    registers: [registry],
  });
  return {
    granted: (claim: Claim) => audio.inc({ tenant: tenantLabel(tenants, claim.tenant) }, Math.max(0, claim.cost)),
    observe(observed: FairGate) {
      gate = observed;
    },
  };
}
