// Writes the job-level objects that asr.jobs and asr.segments.failed imply
// (requested.json, job.json, failed/<index>.json) and runs the completion check
// they may unblock. Every write is an idempotent overwrite of a derived key.

import type { TaggedJobEvent } from "@lingostream/schemas";
import type { JobMeta } from "./assembler.ts";
import { type DeadLetter, keySafeJob, readJobSegmented } from "./events.ts";
import { JSON_CONTENT_TYPE, toJson } from "./format.ts";
import type { CompletionOutcome, JobCompletion } from "./job-completion.ts";
import { failedKey, type JobRef, jobMetaKey, requestedKey, segmentKey } from "./keys.ts";
import type { SinkStorage } from "./storage.ts";

export type LedgerOutcome =
  | { recorded: "requested" | "segmented" | "failed"; job: JobRef; completion?: CompletionOutcome }
  /** A dead letter whose slot already has a result: the replay won, nothing to record. */
  | { recorded: "superseded"; job: JobRef }
  | { recorded: "ignored"; reason: string };

const MAX_REQUESTED_BYTES = 64 * 1024;

interface StoredRequest {
  source: string;
  sourceName: string;
  language: string;
  engine: string;
}

export class JobLedger {
  private readonly storage: SinkStorage;
  private readonly completion: JobCompletion;

  constructor(storage: SinkStorage, completion: JobCompletion) {
    this.storage = storage;
    this.completion = completion;
  }

  async onJobEvent(tagged: TaggedJobEvent): Promise<LedgerOutcome> {
    switch (tagged.type) {
      case "JobRequested": {
        const job = keySafeJob(tagged.event);
        const { source, sourceName, language, engine } = tagged.event;
        await this.storage.put(requestedKey(job), toJson({ ...job, source, sourceName, language, engine }), JSON_CONTENT_TYPE);
        return { recorded: "requested", job };
      }
      case "JobSegmented": {
        const { job, segmentCount, durationSeconds } = readJobSegmented(tagged.event);
        const meta: JobMeta = { ...job, segmentCount, durationSeconds, ...(await this.request(job)) };
        await this.storage.put(jobMetaKey(job), toJson(meta), JSON_CONTENT_TYPE);
        this.completion.rememberJob(meta);
        return { recorded: "segmented", job, completion: await this.completion.check(job) };
      }
      case "JobCompleted":
        keySafeJob(tagged.event);
        // The sink's own announcement coming back round: acting on it would loop.
        return { recorded: "ignored", reason: "JobCompleted" };
      default:
        return { recorded: "ignored", reason: `unknown job event ${tagged.type}` };
    }
  }

  async onDeadLetter(letter: DeadLetter): Promise<LedgerOutcome> {
    if (!letter.attributed) return { recorded: "ignored", reason: letter.reason };
    const { job, index } = letter;
    // Results and dead letters travel on different topics, so a late dead letter
    // of a segment whose replay already succeeded must not shadow the result.
    if (await this.storage.exists(segmentKey(job, index))) return { recorded: "superseded", job };
    const body = toJson({
      ...job,
      segmentId: letter.segmentId,
      index,
      errorClass: letter.errorClass,
      message: letter.message,
      retryable: letter.retryable,
      attempt: letter.attempt,
      lastFailureTime: letter.lastFailureTime,
    });
    await this.storage.put(failedKey(job, index), body, JSON_CONTENT_TYPE);
    return { recorded: "failed", job, completion: await this.completion.check(job) };
  }

  /** What JobRequested said about the media, if it was consumed; job.json is still written without it. */
  private async request(job: JobRef): Promise<Partial<StoredRequest>> {
    const body = await this.storage.get(requestedKey(job), MAX_REQUESTED_BYTES);
    if (body === undefined) return {};
    try {
      const r = JSON.parse(body.toString("utf8")) as StoredRequest;
      return { source: r.source, sourceName: r.sourceName, language: r.language, engine: r.engine };
    } catch {
      return {};
    }
  }
}
