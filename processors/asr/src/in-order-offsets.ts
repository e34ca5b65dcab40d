// Segments of one partition finish out of order when several are in flight, but
// a committed offset says "everything before me is done", so only the
// contiguous prefix of finished offsets may be committed.

export class InOrderOffsets {
  private readonly started: bigint[] = [];
  private readonly finished = new Set<bigint>();

  start(offset: string): void {
    this.started.push(BigInt(offset));
  }

  /** Marks an offset done; returns the highest offset now safe to commit past, if it moved. */
  finish(offset: string): string | undefined {
    this.finished.add(BigInt(offset));
    let advanced: bigint | undefined;
    while (this.started.length > 0 && this.finished.has(this.started[0]!)) {
      advanced = this.started.shift()!;
      this.finished.delete(advanced);
    }
    return advanced === undefined ? undefined : advanced.toString();
  }

  /** Finished but not yet committable (an earlier offset is still pending). */
  isFinished(offset: string): boolean {
    return this.finished.has(BigInt(offset));
  }

  get pending(): number {
    return this.started.length;
  }
}
