// Whether one partition is fetched. After a failed write or read it stops
// fetching and waits a backoff that grows with each consecutive failure
// (partition-backoff.ts), so an outage is retried slowly instead of piling up
// records the sink cannot write; resuming restarts the fetch. The writer of an
// asr.results partition owns one; asr.jobs and asr.segments.failed partitions,
// read without a buffer, get one each when they first fail.

import type { RetryPolicy } from "@lingostream/runtime";
import type { Consumer } from "kafkajs";
import { PartitionBackoff } from "./partition-backoff.ts";

/** Stops and restarts fetching one partition: the consumer's pause and resume for it. */
export interface PartitionFetch {
  pause(): void;
  resume(): void;
}

/** A partition that can be paused: an asr.results writer, or a PartitionPause of the topics read without a buffer. */
export interface PausablePartition {
  readonly topic: string;
  readonly partition: number;
  readonly paused: boolean;
  /** Consecutive failures since the partition last ran. */
  readonly failures: number;
  /** Paused and its wait is over: time to try again. */
  isDue(now?: number): boolean;
  /** Records a failure and stops fetching; returns the wait before the next try, ms. */
  pause(): number;
  /** Fetches again; the next failure starts the backoff from the beginning. */
  resume(): void;
}

export const fetchedRegardless: PartitionFetch = { pause() {}, resume() {} };

/** The consumer's pause and resume of one partition. */
export function consumerFetch(consumer: Pick<Consumer, "pause" | "resume">, topic: string, partition: number): PartitionFetch {
  return { pause: () => consumer.pause([{ topic, partitions: [partition] }]), resume: () => consumer.resume([{ topic, partitions: [partition] }]) };
}

export class PartitionPause implements PausablePartition {
  readonly topic: string;
  readonly partition: number;
  readonly backoff: PartitionBackoff;
  private readonly fetch: PartitionFetch;

  constructor(topic: string, partition: number, fetch: PartitionFetch, policy: RetryPolicy, clock: () => number = Date.now) {
    this.topic = topic;
    this.partition = partition;
    this.fetch = fetch;
    this.backoff = new PartitionBackoff(policy, clock);
  }

  get paused(): boolean {
    return this.backoff.paused;
  }

  get failures(): number {
    return this.backoff.failures;
  }

  isDue(now?: number): boolean {
    return this.backoff.isDue(now);
  }

  pause(): number {
    const retryInMs = this.backoff.fail();
    this.fetch.pause();
    return retryInMs;
  }

  resume(): void {
    this.backoff.clear();
    this.fetch.resume();
  }

  /** Ends a pause, if any, without counting it as a success or failure: after a rebalance the partition starts afresh. */
  lift(): void {
    if (this.paused) this.resume();
  }
}
