// The processor-wide limit on segments in flight, granted fairly: every
// segment of the fetched window waits here, and a free slot goes to the tenant
// that has had the least ASR time for its weight (start-time fair queueing on
// audio seconds), not to whichever partition asked first. Within a tenant,
// high-priority segments get most of the tenant's share and normal ones the
// rest, so interactive work overtakes the tenant's bulk without starving it.
// A tenant at its in-flight limit is held: its segments wait, none is dropped.

import type { TenantTable } from "@lingostream/runtime";

export type Priority = "normal" | "high";

export interface Claim {
  tenant: string;
  priority: Priority;
  /** ASR work the segment brings: its audio seconds. */
  cost: number;
}

export interface Ticket {
  /** Takes a request that was not granted yet out of the queue; no-op once granted. */
  withdraw(): void;
}

export interface TenantQueueState {
  /** Segments waiting for a slot. */
  waiting: number;
  /** Of those, the ones waiting only because the tenant is at its in-flight limit. */
  held: number;
  inFlight: number;
}

export interface FairGateOptions {
  /** Slots allowed now (the memory governor may lower them); read at every grant. */
  limit: () => number;
  tenants: TenantTable;
  /** Told of every grant (metrics count each tenant's ASR time). */
  onGrant?: (claim: Claim) => void;
}

/** Of a tenant's share, what high-priority work gets while both kinds wait: 4 of 5 grants. */
const PRIORITY_WEIGHT: Record<Priority, number> = { high: 4, normal: 1 };
const MIN_COST = 0.1;

interface Request {
  claim: Claim;
  grant: () => void;
  done: boolean;
}

/** Requests of one class (a tenant, or a priority within a tenant), scheduled by pass. */
class Lane {
  pass = 0;
  readonly queue: Request[] = [];
}

class TenantLanes {
  pass = 0;
  inFlight = 0;
  readonly lanes: Record<Priority, Lane> = { high: new Lane(), normal: new Lane() };
  /** Virtual time of the last grant among this tenant's lanes. */
  laneClock = 0;

  get waiting(): number {
    return this.lanes.high.queue.length + this.lanes.normal.queue.length;
  }
}

export class FairGate {
  readonly #options: FairGateOptions;
  readonly #tenants = new Map<string, TenantLanes>();
  /** Virtual time: the pass of the last grant. A tenant that was idle starts from here, so idleness banks no credit. */
  #clock = 0;
  #inUse = 0;

  constructor(options: FairGateOptions) {
    this.#options = options;
  }

  get inUse(): number {
    return this.#inUse;
  }

  /** Queues a segment; `grant` is called (synchronously, from a later request, release or dispatch) when it may start. */
  request(claim: Claim, grant: () => void): Ticket {
    const tenant = this.#lanes(claim.tenant);
    const lane = tenant.lanes[claim.priority];
    if (tenant.waiting === 0) tenant.pass = Math.max(tenant.pass, this.#clock);
    if (lane.queue.length === 0) lane.pass = Math.max(lane.pass, tenant.laneClock);
    const request: Request = { claim, grant, done: false };
    lane.queue.push(request);
    this.dispatch();
    return {
      withdraw: () => {
        if (request.done) return;
        request.done = true;
        const at = lane.queue.indexOf(request);
        if (at >= 0) lane.queue.splice(at, 1);
      },
    };
  }

  /** A granted segment settled: its slot goes to the next in line. */
  release(tenant: string): void {
    this.#inUse = Math.max(0, this.#inUse - 1);
    const lanes = this.#tenants.get(tenant);
    if (lanes !== undefined) lanes.inFlight = Math.max(0, lanes.inFlight - 1);
    this.dispatch();
    // Forget tenants with nothing going on and no time owed, so the map stays as small as the work.
    for (const [name, idle] of this.#tenants) {
      if (idle.waiting === 0 && idle.inFlight === 0 && idle.pass <= this.#clock) this.#tenants.delete(name);
    }
  }

  /** Grants while slots are free; also called now and then, as the limit can rise without a release. */
  dispatch(): void {
    while (this.#inUse < Math.max(1, this.#options.limit())) {
      const next = this.#pick();
      if (next === undefined) return;
      this.#inUse++;
      next.done = true;
      this.#options.onGrant?.(next.claim);
      next.grant();
    }
  }

  /** Per tenant: waiting, held and in flight, for metrics and status. */
  snapshot(): Map<string, TenantQueueState> {
    const out = new Map<string, TenantQueueState>();
    for (const [tenant, lanes] of this.#tenants) {
      const held = lanes.inFlight >= this.#maxInFlight(tenant) ? lanes.waiting : 0;
      out.set(tenant, { waiting: lanes.waiting, held, inFlight: lanes.inFlight });
    }
    return out;
  }

  #maxInFlight(tenant: string): number {
    return this.#options.tenants.get(tenant).maxInFlight ?? Number.POSITIVE_INFINITY;
  }

  #lanes(tenant: string): TenantLanes {
    let lanes = this.#tenants.get(tenant);
    if (lanes === undefined) {
      lanes = new TenantLanes();
      this.#tenants.set(tenant, lanes);
    }
    return lanes;
  }

  /** The next request: the eligible tenant with the lowest pass, then its lane with the lowest pass. */
  #pick(): Request | undefined {
    let best: [string, TenantLanes] | undefined;
    for (const entry of this.#tenants) {
      const [tenant, lanes] = entry;
      if (lanes.waiting === 0 || lanes.inFlight >= this.#maxInFlight(tenant)) continue;
      if (best === undefined || lanes.pass < best[1].pass) best = entry;
    }
    if (best === undefined) return undefined;
    const [tenant, lanes] = best;
    const { high, normal } = lanes.lanes;
    const priority: Priority = high.queue.length > 0 && (normal.queue.length === 0 || high.pass <= normal.pass) ? "high" : "normal";
    const lane = lanes.lanes[priority];
    const request = lane.queue.shift();
    if (request === undefined) return undefined;
    const cost = Math.max(MIN_COST, request.claim.cost);
    this.#clock = lanes.pass;
    lanes.pass += cost / this.#options.tenants.weight(tenant);
    lanes.laneClock = lane.pass;
    lane.pass += cost / PRIORITY_WEIGHT[priority];
    lanes.inFlight++;
    return request;
  }
}
