import { describe, expect, it } from "vitest";
import { eventIdentity } from "./pressure-events.ts";

describe("eventIdentity", () => {
  const base = { host: "node-a", role: "pressure-monitor", instanceId: "monitor-node-a-1" };

  it("keys a host-scope monitor by its host, so one monitor speaks for the machine", () => {
    expect(eventIdentity({ ...base, sourceId: undefined, scope: "host" })).toEqual({ ...base, sourceId: "node-a" });
  });

  it("keys a process-scope monitor by host, role and instance, so processes do not overwrite each other", () => {
    expect(eventIdentity({ ...base, sourceId: undefined, scope: "process" }).sourceId).toBe("node-a/pressure-monitor/monitor-node-a-1");
  });

  it("takes a configured source id as the key and keeps the host workers match on", () => {
    expect(eventIdentity({ ...base, sourceId: "ramp-probe", scope: "host" })).toEqual({ ...base, sourceId: "ramp-probe" });
  });
});
