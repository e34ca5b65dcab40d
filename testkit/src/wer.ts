// Word error rate for judging engines against a reference transcript. Scoring
// is on words only: case and punctuation are not ASR errors here, and numbers
// are compared as written ("42" never equals "forty two").

export interface WerResult {
  /** (substitutions + deletions + insertions) / refWords; see wordErrorRate for an empty reference. */
  wer: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  refWords: number;
  hypWords: number;
}

// A number keeps its inner separators ("3.5", "1,000"); a word keeps inner
// apostrophes ("don't"). Everything else is a separator.
const TOKEN = /\p{N}+(?:[.,]\p{N}+)*|[\p{L}\p{M}\p{N}]+(?:'[\p{L}\p{M}\p{N}]+)*/gu;

export function normalizeWords(text: string): string[] {
  return text.toLowerCase().replace(/[\u2018\u2019\u02BC]/g, "'").match(TOKEN) ?? [];
}

function toWords(input: string | readonly string[]): string[] {
  return typeof input === "string" ? normalizeWords(input) : input.flatMap((w) => normalizeWords(w));
}

/**
 * Levenshtein alignment over normalized words. Among equally cheap alignments
 * substitutions are preferred, then deletions, then insertions. An empty
 * reference scores 0 against an empty hypothesis and 1 otherwise, since a
 * rate over zero reference words is undefined. Memory is O(hypothesis).
 */
export function wordErrorRate(reference: string | readonly string[], hypothesis: string | readonly string[]): WerResult {
  const ref = toWords(reference);
  const hyp = toWords(hypothesis);
  const m = hyp.length;
  // Per column: total cost and its split, for the previous and current row.
  let cost = new Uint32Array(m + 1);
  let subs = new Uint32Array(m + 1);
  let dels = new Uint32Array(m + 1);
  let ins = new Uint32Array(m + 1);
  let nextCost = new Uint32Array(m + 1);
  let nextSubs = new Uint32Array(m + 1);
  let nextDels = new Uint32Array(m + 1);
  let nextIns = new Uint32Array(m + 1);
  for (let j = 0; j <= m; j++) {
    cost[j] = j;
    ins[j] = j;
  }
  for (let i = 1; i <= ref.length; i++) {
    nextCost[0] = i;
    nextSubs[0] = 0;
    nextDels[0] = i;
    nextIns[0] = 0;
    const r = ref[i - 1];
    for (let j = 1; j <= m; j++) {
      const same = r === hyp[j - 1];
      const diag = cost[j - 1]! + (same ? 0 : 1);
      const up = cost[j]! + 1;
      const left = nextCost[j - 1]! + 1;
      if (diag <= up && diag <= left) {
        nextCost[j] = diag;
        nextSubs[j] = subs[j - 1]! + (same ? 0 : 1);
        nextDels[j] = dels[j - 1]!;
        nextIns[j] = ins[j - 1]!;
      } else if (up <= left) {
        nextCost[j] = up;
        nextSubs[j] = subs[j]!;
        nextDels[j] = dels[j]! + 1;
        nextIns[j] = ins[j]!;
      } else {
        nextCost[j] = left;
        nextSubs[j] = nextSubs[j - 1]!;
        nextDels[j] = nextDels[j - 1]!;
        nextIns[j] = nextIns[j - 1]! + 1;
      }
    }
    [cost, nextCost] = [nextCost, cost];
    [subs, nextSubs] = [nextSubs, subs];
    [dels, nextDels] = [nextDels, dels];
    [ins, nextIns] = [nextIns, ins];
  }
  const substitutions = subs[m]!;
  const deletions = dels[m]!;
  const insertions = ins[m]!;
  const errors = substitutions + deletions + insertions;
  const wer = ref.length === 0 ? (m === 0 ? 0 : 1) : errors / ref.length;
  return { wer, substitutions, deletions, insertions, refWords: ref.length, hypWords: m };
}
