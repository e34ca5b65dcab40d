// The processor-wide limit on segments in flight. Partitions are consumed
// concurrently (a batch rarely holds more than one segment: segments are keyed
// by id across many partitions), so the limit cannot live in one batch; every
// batch takes its slots here. The limit is read on every acquire, so a memory
// level that lowers it takes effect at the next segment.

export class SlotGate {
  private used = 0;
  private waiters: (() => void)[] = [];

  get inUse(): number {
    return this.used;
  }

  /**
   * Waits until fewer than limit() slots are in use, then takes one; resolves
   * false without taking one when stop() turns true while waiting.
   */
  async acquire(limit: () => number, stop: () => boolean): Promise<boolean> {
    while (this.used >= Math.max(1, limit())) {
      if (stop()) return false;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        // The limit may rise without a release (pressure eased): look again now and then.
        setTimeout(resolve, 250).unref?.();
      });
    }
    if (stop()) return false;
    this.used++;
    return true;
  }

  release(): void {
    this.used = Math.max(0, this.used - 1);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
