import { parseTenantTable, Registry } from "@lingostream/runtime";
import { describe, expect, it } from "vitest";
import { FairGate } from "./fair-gate.ts";
import { registerTenantMetrics } from "./tenant-metrics.ts";

describe("per-tenant metrics", () => {
  it("label named tenants by name and every other tenant as other, however many there are", async () => {
    const registry = new Registry();
    const tenants = parseTenantTable("acme:maxInFlight=1");
    const metrics = registerTenantMetrics(registry, tenants);
    const gate = new FairGate({ limit: () => 2, tenants, onGrant: metrics.granted });
    metrics.observe(gate);
    for (let i = 0; i < 3; i++) gate.request({ tenant: "acme", priority: "normal", cost: 30 }, () => {});
    for (let i = 0; i < 50; i++) gate.request({ tenant: `guest-${i}`, priority: "normal", cost: 10 }, () => {});
    const text = await registry.metrics();
    expect(text).toContain('lingostream_asr_tenant_segments_held{tenant="acme"} 2');
    expect(text).toContain('lingostream_asr_tenant_segments_in_flight{tenant="acme"} 1');
    expect(text).toContain('lingostream_asr_tenant_segments_in_flight{tenant="other"} 1');
    expect(text).toContain('lingostream_asr_tenant_segments_waiting{tenant="other"} 49');
    expect(text).toContain('lingostream_asr_tenant_audio_seconds_total{tenant="acme"} 30');
    expect(text).toContain('lingostream_asr_tenant_audio_seconds_total{tenant="other"} 10');
    expect(text).not.toContain("guest-");
  });
});
