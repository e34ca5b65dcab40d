// Deletes kept audio whose retention has passed. Jobs that completed with
// segments missing have an entry under lifecycle/expire/<day>/; a pass lists
// that root from its start, which is the earliest day, and stops at the first
// day still to come, so it reads only due entries (plus one page) however
// large the bucket is. Every sink instance sweeps; the deletes are idempotent.

import { isPipelineError, type Logger } from "@lingostream/runtime";
import type { AudioCleanupOutcome } from "./audio-cleanup.ts";
import { expiryDue } from "./audio-plan.ts";
import { EXPIRY_ROOT, expiryDay, type JobRef, parseExpiryKey } from "./keys.ts";
import type { SinkMetrics } from "./metrics.ts";
import type { SinkStorage } from "./storage.ts";

export interface AudioSweepOptions {
  storage: SinkStorage;
  logger: Logger;
  metrics: Pick<SinkMetrics, "audioSweeps">;
  /** Deletes one job's remaining audio and then its entry (under the job's lock). */
  expire(job: JobRef, entryKey: string): Promise<AudioCleanupOutcome>;
  intervalMs: number;
  clock: () => number;
  /** Jobs expired per pass, so one pass never runs long; a pass that reaches it is followed by another soon. */
  maxEntriesPerPass?: number;
  /** The pause before the next pass when this one stopped at its bound, ms. */
  backlogDelayMs?: number;
}

export interface SweepOutcome {
  /** Entries of today or earlier looked at. */
  examined: number;
  expired: number;
  /** Entries whose deletion failed for good this pass (tried again next pass). */
  failed: number;
  /** The pass stopped at its bound with due entries possibly left. */
  full: boolean;
}

const PAGE = 1000;
const MAX_ENTRY_BYTES = 4096;

export class AudioSweeper {
  private readonly options: AudioSweepOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(options: AudioSweepOptions) {
    this.options = options;
  }

  /** A pass now, then one every interval. */
  start(): void {
    this.schedule(0);
  }

  /** No new pass starts; resolves once the one in flight has ended (the caller aborts its S3 waits if it must not wait). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running.catch(() => {});
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const pass = this.sweep().then(
        (outcome) => {
          this.options.metrics.audioSweeps.inc({ outcome: "ok" });
          return outcome.full ? (this.options.backlogDelayMs ?? 1000) : this.options.intervalMs;
        },
        (err: unknown) => {
          this.options.metrics.audioSweeps.inc({ outcome: "failed" });
          if (!this.stopped) this.options.logger.warn({ err }, "audio expiry sweep failed; trying again at the next one");
          return this.options.intervalMs;
        },
      );
      this.running = pass;
      void pass.then((next) => this.schedule(next));
    }, delayMs);
    // The sweep alone must not keep a process alive.
    this.timer.unref?.();
  }

  /**
   * One bounded pass over the due entries: at most maxEntriesPerPass jobs
   * expired, and ten times that many entries looked at (today's entries that
   * are not due yet are looked at too).
   */
  async sweep(): Promise<SweepOutcome> {
    const { storage, logger, clock } = this.options;
    const maxExpired = this.options.maxEntriesPerPass ?? PAGE;
    const now = clock();
    const today = expiryDay(now);
    const outcome: SweepOutcome = { examined: 0, expired: 0, failed: 0, full: false };
    let startAfter: string | undefined;
    for (;;) {
      const page = await storage.list(EXPIRY_ROOT, PAGE, startAfter);
      for (const { key } of page) {
        if (this.stopped || outcome.examined >= maxExpired * 10) return outcome;
        startAfter = key;
        const entry = parseExpiryKey(key);
        if (!entry) {
          logger.warn({ key }, "object under the expiry root that the sink did not write; left alone");
          continue;
        }
        // Days sort in time order: from here on nothing is due yet.
        if (entry.day > today) return outcome;
        outcome.examined++;
        // Only today's entries need their body read: earlier days are due whatever it says.
        if (!expiryDue(entry.day, entry.day === today ? await this.expiresAt(key) : undefined, now)) continue;
        try {
          await this.options.expire(entry.job, key);
          outcome.expired++;
        } catch (err) {
          // S3 itself failing fails the pass; a failure of this one job's objects must not hold up the others.
          if (isPipelineError(err) && err.retriable) throw err;
          outcome.failed++;
          logger.error({ err, tenant: entry.job.tenant, jobId: entry.job.jobId, key }, "could not delete expired audio; trying again at the next sweep");
        }
        if (outcome.expired + outcome.failed >= maxExpired) return { ...outcome, full: true };
      }
      if (page.length < PAGE) return outcome;
    }
  }

  /** The instant an entry names; undefined (not due) for an entry that cannot be read, which is due anyway once its day has passed. */
  private async expiresAt(key: string): Promise<number | undefined> {
    const body = await this.options.storage.get(key, MAX_ENTRY_BYTES);
    if (body === undefined) return undefined;
    try {
      const expiresAt = (JSON.parse(body.toString("utf8")) as { expiresAt?: unknown }).expiresAt;
      return typeof expiresAt === "number" ? expiresAt : undefined;
    } catch {
      return undefined;
    }
  }
}
