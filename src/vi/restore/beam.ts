/**
 * Second-order decoding for a trigram model: the best sequence of candidates when each choice
 * depends on the two before it. The exact Viterbi would keep a state per pair of adjacent
 * candidates (up to ~20 × 20 for the most ambiguous syllables, times 20 successors); a beam of
 * the best pair states is enough in practice and keeps a query well under a millisecond.
 *
 * States at position t are pairs (candidate at t−1, candidate at t); states that reach the same
 * pair are merged, keeping the better score (recombination), then the best BEAM survive.
 */
import type { NgramModel } from './ngram-model.ts';

/** Pair states kept per position. */
export const BEAM = 16;

export interface CandidateSlot {
  cands: Int32Array | null;
}

/** Scratch tables reused between calls (decoding allocates nothing per position). */
let scratchSize = 0;
let best = new Float64Array(0);
let from = new Int32Array(0);
let p2 = new Float64Array(0);

function ensureScratch(size: number): void {
  if (size <= scratchSize) return;
  scratchSize = Math.max(size, scratchSize * 2, 256);
  best = new Float64Array(scratchSize);
  from = new Int32Array(scratchSize);
  p2 = new Float64Array(scratchSize);
}

/** Best candidates for slots[s..e) (a phrase between two boundaries) into `choice`. */
export function beamDecode(m: NgramModel, slots: CandidateSlot[], s: number, e: number, bnd: number, choice: Int32Array): void {
  const n = e - s;
  const empty = new Int32Array(0);
  const cand = (t: number): Int32Array => slots[s + t].cands ?? empty;
  // States of position t live at t × BEAM + i, i < size[t]: candidate index at t (k), at t − 1
  // (j), score, and the state index at t − 1 they came from (parent).
  const stK = new Int32Array(n * BEAM);
  const stJ = new Int32Array(n * BEAM);
  const stScore = new Float64Array(n * BEAM);
  const stParent = new Int32Array(n * BEAM);
  const size = new Int32Array(n);
  // First position: the best BEAM candidates after the boundary.
  const c0 = cand(0);
  ensureScratch(c0.length);
  for (let k = 0; k < c0.length; k++) best[k] = m.logProb(bnd, c0[k]);
  size[0] = selectTop(c0.length, c0.length, 0, stK, stJ, stScore, stParent, 0);
  for (let i = 0; i < size[0]; i++) stJ[i] = -1;
  for (let t = 1; t < n; t++) {
    const cb = cand(t - 1);
    const ca = t >= 2 ? cand(t - 2) : null;
    const cc = cand(t);
    const K = cc.length;
    const cells = cb.length * K;
    ensureScratch(cells);
    // best[(candidate at t − 1) × K + candidate at t]: the recombination table.
    best.fill(-Infinity, 0, cells);
    // P(c | b) does not depend on the state's older word: computed once per (b, c) pair.
    p2.fill(NaN, 0, cells);
    const base0 = (t - 1) * BEAM;
    for (let i = 0; i < size[t - 1]; i++) {
      const bi = stK[base0 + i];
      const b = cb[bi];
      const a = ca === null ? bnd : ca[stJ[base0 + i]];
      const base = stScore[base0 + i];
      const ab = m.trigramContext(a, b);
      for (let k = 0; k < K; k++) {
        const key = bi * K + k;
        if (Number.isNaN(p2[key])) p2[key] = m.prob(b, cc[k]);
        const v = base + m.logProb3At(ab, b, cc[k], p2[key]);
        if (v > best[key]) {
          best[key] = v;
          from[key] = i;
        }
      }
    }
    size[t] = selectTop(cells, K, t * BEAM, stK, stJ, stScore, stParent, 1);
  }
  // Close the phrase with the boundary and follow the best state back.
  const cl = cand(n - 1);
  const cp = n >= 2 ? cand(n - 2) : null;
  const lastBase = (n - 1) * BEAM;
  let bestState = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < size[n - 1]; i++) {
    const a = cp === null ? bnd : cp[stJ[lastBase + i]];
    const v = stScore[lastBase + i] + m.logProb3(a, cl[stK[lastBase + i]], bnd);
    if (v > bestScore) {
      bestScore = v;
      bestState = i;
    }
  }
  let st = bestState;
  for (let t = n - 1; t >= 0; t--) {
    choice[s + t] = cand(t)[stK[t * BEAM + st]];
    st = stParent[t * BEAM + st];
  }
}

/**
 * Copy the best (at most BEAM) cells of the scratch table into the state arrays at `at`, best
 * first, by insertion into a short sorted list (cheaper than sorting every cell). A cell is
 * (j × K + k); `withParent` = 0 for the first position, which has no parent.
 */
function selectTop(cells: number, K: number, at: number, stK: Int32Array, stJ: Int32Array, stScore: Float64Array, stParent: Int32Array, withParent: number): number {
  let n = 0;
  for (let key = 0; key < cells; key++) {
    const v = best[key];
    if (v === -Infinity || (n === BEAM && v <= stScore[at + n - 1])) continue;
    let i = n < BEAM ? n++ : n - 1;
    while (i > 0 && stScore[at + i - 1] < v) {
      stScore[at + i] = stScore[at + i - 1];
      stK[at + i] = stK[at + i - 1];
      stJ[at + i] = stJ[at + i - 1];
      stParent[at + i] = stParent[at + i - 1];
      i--;
    }
    stScore[at + i] = v;
    stK[at + i] = key % K;
    stJ[at + i] = Math.floor(key / K);
    stParent[at + i] = withParent ? from[key] : -1;
  }
  return n;
}
