// Per-tenant figures of `lingostream status`, tallied from the events of the
// period: each job's latest state (asr.jobs), segments published (JobSegmented
// counts), transcribed (asr.results) and dead-lettered (asr.segments.failed),
// and each tenant's part of the ASR time of the last hour (the results'
// processingMs). Kafka does not say which segments are on an engine right now,
// so "waiting" is published and not yet settled: queued or in flight.

export interface TenantStatus {
  tenant: string;
  jobs: { queued: number; inFlight: number; done: number; failed: number };
  segments: { waiting: number; done: number; failed: number };
  /** Part of all ASR time in the last hour, 0..1 (0 when none was spent). */
  asrShareLastHour: number;
}

type JobState = "queued" | "inFlight" | "done" | "failed";

/** Jobs remembered at most; past it, new jobs are not tallied (the report says so). */
export const MAX_TRACKED_JOBS = 200_000;
/** Tenants listed; the rest are summed into one row. */
export const MAX_LISTED_TENANTS = 20;
export const OTHER_TENANTS = "(others)";
const HOUR_MS = 3_600_000;

interface Tally {
  jobs: Map<string, JobState>;
  published: number;
  done: number;
  failed: number;
  asrMsLastHour: number;
}

export class TenantTally {
  readonly #tenants = new Map<string, Tally>();
  readonly #hourFrom: number;
  #trackedJobs = 0;
  /** Jobs left out because MAX_TRACKED_JOBS was reached. */
  untracked = 0;

  constructor(now: number) {
    this.#hourFrom = now - HOUR_MS;
  }

  /** A job event of the period, in the topic's order per job. */
  jobEvent(type: string, tenant: string, jobId: string, segmentCount?: number): void {
    const tally = this.#tally(tenant);
    const known = tally.jobs.has(jobId);
    if (!known && this.#trackedJobs >= MAX_TRACKED_JOBS) {
      this.untracked++;
      return;
    }
    const next: JobState | undefined =
      type === "JobRequested" ? (known ? undefined : "queued") : type === "JobSegmented" ? "inFlight" : type === "JobCompleted" ? "done" : type === "JobFailed" ? "failed" : undefined;
    if (type === "JobSegmented") tally.published += segmentCount ?? 0;
    if (next === undefined) return;
    if (!known) this.#trackedJobs++;
    // A job seen first by a later event (requested before the period) still counts where it is now.
    const current = tally.jobs.get(jobId);
    if (current === "done" || current === "failed") return;
    tally.jobs.set(jobId, next);
  }

  /** A SegmentTranscribed of the period (or the last hour). */
  result(tenant: string, eventTime: number, processingMs: number, inPeriod: boolean): void {
    const tally = this.#tally(tenant);
    if (inPeriod) tally.done++;
    if (eventTime >= this.#hourFrom) tally.asrMsLastHour += Math.max(0, processingMs);
  }

  /** A SegmentFailed of the period. */
  deadLetter(tenant: string): void {
    this.#tally(tenant).failed++;
  }

  /** The busiest tenants first (most waiting, then most done), the rest summed as one row. */
  report(): TenantStatus[] {
    const totalMs = [...this.#tenants.values()].reduce((sum, t) => sum + t.asrMsLastHour, 0);
    const rows = [...this.#tenants].map(([tenant, t]): TenantStatus => {
      const jobs = { queued: 0, inFlight: 0, done: 0, failed: 0 };
      for (const state of t.jobs.values()) jobs[state]++;
      return {
        tenant,
        jobs,
        segments: { waiting: Math.max(0, t.published - t.done - t.failed), done: t.done, failed: t.failed },
        asrShareLastHour: totalMs > 0 ? t.asrMsLastHour / totalMs : 0,
      };
    });
    rows.sort((a, b) => b.segments.waiting - a.segments.waiting || b.segments.done - a.segments.done || a.tenant.localeCompare(b.tenant));
    if (rows.length <= MAX_LISTED_TENANTS) return rows;
    const listed = rows.slice(0, MAX_LISTED_TENANTS - 1);
    const rest = rows.slice(MAX_LISTED_TENANTS - 1);
    const sum = (pick: (r: TenantStatus) => number) => rest.reduce((s, r) => s + pick(r), 0);
    listed.push({
      tenant: OTHER_TENANTS,
      jobs: { queued: sum((r) => r.jobs.queued), inFlight: sum((r) => r.jobs.inFlight), done: sum((r) => r.jobs.done), failed: sum((r) => r.jobs.failed) },
      segments: { waiting: sum((r) => r.segments.waiting), done: sum((r) => r.segments.done), failed: sum((r) => r.segments.failed) },
      asrShareLastHour: sum((r) => r.asrShareLastHour),
    });
    return listed;
  }

  #tally(tenant: string): Tally {
    let tally = this.#tenants.get(tenant);
    if (tally === undefined) {
      tally = { jobs: new Map(), published: 0, done: 0, failed: 0, asrMsLastHour: 0 };
      this.#tenants.set(tenant, tally);
    }
    return tally;
  }
}
