// The fairness benchmark's arithmetic, from what the pipeline's events say:
// each SegmentTranscribed's tenant, audio seconds and eventTime.

export interface TranscribedSlice {
  tenant: string;
  audioSeconds: number;
  /** eventTime of the SegmentTranscribed, epoch ms. */
  at: number;
}

/** Audio seconds of one tenant transcribed within [from, to] (ms). */
export function audioSecondsIn(results: readonly TranscribedSlice[], tenant: string, from: number, to: number): number {
  return results.filter((r) => r.tenant === tenant && r.at >= from && r.at <= to).reduce((sum, r) => sum + r.audioSeconds, 0);
}

export interface ContentionFigures {
  /** The backlog tenant's rate before the small job arrived, audio seconds per second. */
  aloneRate: number;
  /** Its rate while the small job was under way. */
  contendedRate: number;
  /** 1 - contended / alone. */
  drop: number;
  /** The small job's part of all audio transcribed while it was under way. */
  smallShare: number;
}

/**
 * The backlog tenant's throughput before and during the small job: `before`
 * is [first of its results, small job requested], `during` is [requested, completed].
 */
export function contention(results: readonly TranscribedSlice[], backlog: string, small: string, before: { from: number }, during: { from: number; to: number }): ContentionFigures {
  const aloneSeconds = (during.from - before.from) / 1000;
  const duringSeconds = (during.to - during.from) / 1000;
  const aloneRate = aloneSeconds > 0 ? audioSecondsIn(results, backlog, before.from, during.from) / aloneSeconds : Number.NaN;
  const backlogDuring = audioSecondsIn(results, backlog, during.from, during.to);
  const smallDuring = audioSecondsIn(results, small, during.from, during.to);
  const contendedRate = duringSeconds > 0 ? backlogDuring / duringSeconds : Number.NaN;
  return {
    aloneRate,
    contendedRate,
    drop: 1 - contendedRate / aloneRate,
    smallShare: smallDuring / (backlogDuring + smallDuring),
  };
}

/**
 * Shares of two backlogged tenants over the span both had work queued: from
 * the later of their first results (and of `queuedFrom`, when all their work
 * was published) to the earlier of their last.
 */
export function weightedShares(
  results: readonly TranscribedSlice[],
  heavy: string,
  light: string,
  queuedFrom = 0,
): { from: number; to: number; heavy: number; light: number; ratio: number } {
  const times = (tenant: string) => results.filter((r) => r.tenant === tenant).map((r) => r.at);
  const from = Math.max(Math.min(...times(heavy)), Math.min(...times(light)), queuedFrom);
  const to = Math.min(Math.max(...times(heavy)), Math.max(...times(light)));
  const heavySeconds = audioSecondsIn(results, heavy, from, to);
  const lightSeconds = audioSecondsIn(results, light, from, to);
  return { from, to, heavy: heavySeconds, light: lightSeconds, ratio: heavySeconds / lightSeconds };
}
