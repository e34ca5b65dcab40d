// kafkajs heartbeats only between batches; work that can outlast a session
// (segmenting a file, writing to S3, waiting for an engine slot) beats the
// group heartbeat itself, or the group evicts the member mid-batch.

/**
 * Runs `work` while calling `heartbeat` every `intervalMs`. A failed beat
 * means a rebalance is under way, which kafkajs handles after the batch; it
 * goes to `onFailure` and never fails the work.
 */
export async function withHeartbeat<T>(
  heartbeat: () => Promise<void>,
  intervalMs: number,
  work: () => Promise<T>,
  onFailure: (err: unknown) => void = () => {},
): Promise<T> {
  const timer = setInterval(() => {
    heartbeat().catch(onFailure);
  }, intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
