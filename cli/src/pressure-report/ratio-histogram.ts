// Percentiles of a ratio (a used ratio, a forecast's relative error) in fixed
// memory: 1001 buckets of 0.001 over 0..1, so a window of a day costs the same
// 4 KiB as a window of a minute. Values are rounded to the nearest bucket
// (error at most 0.0005); above 1 they count as 1.

export const RATIO_RESOLUTION = 0.001;
const BUCKETS = Math.round(1 / RATIO_RESOLUTION) + 1;

export class RatioHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private total = 0;

  get count(): number {
    return this.total;
  }

  add(ratio: number, weight = 1): void {
    if (!Number.isFinite(ratio)) return;
    const bucket = Math.min(BUCKETS - 1, Math.max(0, Math.round(ratio / RATIO_RESOLUTION)));
    this.counts[bucket]! += weight;
    this.total += weight;
  }

  /** Adds another histogram's counts (a whole period from its windows). */
  addAll(other: RatioHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
  }

  /** Nearest-rank quantile (q in (0, 1]) of the rounded values; undefined when empty. */
  quantile(q: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i / (BUCKETS - 1);
    }
    return 1;
  }
}
