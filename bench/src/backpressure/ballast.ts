// Memory held on purpose, to push this process across the pressure thresholds
// the way a growing workload would.

const MiB = 1024 ** 2;

/** Keeps memory on purpose; release() gives it back to the OS at once (detached chunks over 32 MiB are unmapped). */
export class Ballast {
  private chunks: ArrayBuffer[] = [];

  /**
   * Grows RSS 4 MiB at a time, yielding between steps so the sampling and the
   * pause path run as they would beside a workload that grows (not one that
   * blocks the loop); returns when RSS first reached `crossRatio` of `limitBytes`.
   */
  async allocate(bytes: number, limitBytes: number, crossRatio: number): Promise<number | undefined> {
    let crossedAt: number | undefined;
    for (let held = 0; held < bytes; held += 64 * MiB) {
      const chunk = new ArrayBuffer(64 * MiB);
      this.chunks.push(chunk);
      const pages = new Uint8Array(chunk);
      // Pages of a fresh mapping become resident only when touched.
      for (let at = 0; at < chunk.byteLength; at += 4 * MiB) {
        pages.fill(1, at, at + 4 * MiB);
        if (crossedAt === undefined && process.memoryUsage().rss >= crossRatio * limitBytes) crossedAt = Date.now();
        await new Promise((r) => setImmediate(r));
      }
    }
    return crossedAt;
  }

  release(): void {
    for (const chunk of this.chunks) chunk.transfer(0);
    this.chunks = [];
  }
}
