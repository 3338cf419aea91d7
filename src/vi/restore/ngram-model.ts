/**
 * A smoothed syllable bigram language model over the count tables.
 *
 * Interpolated absolute discounting (the core of Kneser–Ney):
 *
 *   P(w | h) = max(c(h w) − D, 0) / c(h)  +  γ(h) · P_low(w)
 *
 * where c(h) is the unigram count of h and γ(h) is whatever probability mass the kept bigrams
 * of h leave over. Taking γ(h) as the exact remainder (rather than D·N1+(h·)/c(h)) keeps the
 * model normalised after pruning: the mass of the bigrams we dropped flows to the lower order
 * instead of disappearing, so a syllable with many rare successors still backs off sensibly.
 *
 * P_low is the Kneser–Ney continuation probability (in how many distinct contexts w was seen,
 * N1+(· w) / N1+(· ·)) mixed with the plain unigram frequency. Continuation counts are what makes
 * KN better than plain backoff ("Nội" is frequent but almost only after "Hà"), but they are
 * computed here from pruned bigrams, so a little unigram mass keeps every syllable reachable.
 *
 * The model can also read phrases right to left and mix both directions (forwardWeight < 1).
 * Measured on the news evaluation it gains nothing once phrase boundaries are modelled (95.03%
 * either way) and costs twice the time, so the default is left to right only.
 *
 * Witten–Bell is available for comparison (bench/restore-eval.ts reports both):
 *   P(w | h) = (c(h w) + T(h) · P_uni(w)) / (c(h) + T(h)),  T(h) = distinct successors of h.
 */
import type { CountTables } from './tables.ts';

export type Smoothing = 'kn' | 'wb';

export interface ModelOptions {
  smoothing: Smoothing;
  /** Absolute discount D for 'kn'. */
  discount: number;
  /** Weight of the unigram frequency inside P_low for 'kn' (the rest is the continuation probability). */
  unigramMix: number;
  /** Weight λ of the left-to-right model against the right-to-left one (1: forward only). */
  forwardWeight: number;
}

export const DEFAULT_MODEL: ModelOptions = { smoothing: 'kn', discount: 0.75, unigramMix: 0.1, forwardWeight: 1 };

/** One direction of the model: P(next | prev) over a CSR table of (prev → next) counts. */
class Direction {
  readonly pLow: Float64Array;
  readonly offsets: Uint32Array;
  readonly rights: Uint32Array;
  readonly bigramCounts: Float64Array;
  readonly discount: number;
  private readonly counts: Float64Array;
  private readonly wittenBell: boolean;
  /**
   * γ(h) and 1/c(h), computed the first time h is used as a context (NaN until then): a query
   * touches a few dozen contexts, so computing all of them at load would be wasted time.
   */
  private readonly gamma: Float64Array;
  private readonly invContext: Float64Array;

  constructor(counts: Float64Array, pUni: Float64Array, offsets: Uint32Array, rights: Uint32Array, bigramCounts: Float64Array, opts: ModelOptions) {
    this.offsets = offsets;
    this.rights = rights;
    this.bigramCounts = bigramCounts;
    this.counts = counts;
    this.wittenBell = opts.smoothing === 'wb';
    this.discount = this.wittenBell ? 0 : opts.discount;
    const V = counts.length;
    this.gamma = new Float64Array(V).fill(NaN);
    this.invContext = new Float64Array(V);
    if (this.wittenBell) {
      this.pLow = pUni;
    } else {
      const cont = new Float64Array(V);
      for (let i = 0; i < rights.length; i++) cont[rights[i]]++;
      const types = rights.length;
      this.pLow = new Float64Array(V);
      for (let w = 0; w < V; w++) {
        const pc = types > 0 ? cont[w] / types : pUni[w];
        this.pLow[w] = (1 - opts.unigramMix) * pc + opts.unigramMix * pUni[w];
      }
    }
  }

  /** Fill γ(h) and 1/c(h) for context h. */
  private prepare(h: number): void {
    const { offsets, bigramCounts } = this;
    let kept = 0;
    let sum = 0;
    for (let i = offsets[h]; i < offsets[h + 1]; i++) {
      kept += Math.max(bigramCounts[i] - this.discount, 0);
      sum += bigramCounts[i];
    }
    // The unigram count should bound its bigrams; guard against counts from different sources.
    const ch = Math.max(this.counts[h], sum);
    const t = offsets[h + 1] - offsets[h];
    if (!this.wittenBell) {
      this.invContext[h] = 1 / ch;
      this.gamma[h] = 1 - kept / ch;
    } else if (t === 0) {
      // With no successors at all, back off entirely to the unigram.
      this.invContext[h] = 0;
      this.gamma[h] = 1;
    } else {
      this.invContext[h] = 1 / (ch + t);
      this.gamma[h] = t / (ch + t);
    }
  }

  /** Count of the pair (h, w), 0 when absent. */
  count(h: number, w: number): number {
    const { offsets, rights, bigramCounts } = this;
    let lo = offsets[h];
    let hi = offsets[h + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const r = rights[mid];
      if (r === w) return bigramCounts[mid];
      if (r < w) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  logProb(h: number, w: number): number {
    if (Number.isNaN(this.gamma[h])) this.prepare(h);
    const c = this.count(h, w);
    const direct = c > 0 ? Math.max(c - this.discount, 0) * this.invContext[h] : 0;
    return Math.log(direct + this.gamma[h] * this.pLow[w]);
  }
}

/** The same pairs indexed by right id (the table read backwards). */
function transpose(V: number, offsets: Uint32Array, rights: Uint32Array, counts: Float64Array): { offsets: Uint32Array; rights: Uint32Array; counts: Float64Array } {
  const tOff = new Uint32Array(V + 1);
  for (let i = 0; i < rights.length; i++) tOff[rights[i] + 1]++;
  for (let v = 0; v < V; v++) tOff[v + 1] += tOff[v];
  const fill = tOff.slice(0, V);
  const tLeft = new Uint32Array(rights.length);
  const tCount = new Float64Array(rights.length);
  // Walking left ids in ascending order keeps each backward list sorted.
  for (let l = 0; l < V; l++) {
    for (let i = offsets[l]; i < offsets[l + 1]; i++) {
      const p = fill[rights[i]]++;
      tLeft[p] = l;
      tCount[p] = counts[i];
    }
  }
  return { offsets: tOff, rights: tLeft, counts: tCount };
}

export class BigramModel {
  readonly tables: CountTables;
  /** log P(w) with no context (start or end of a phrase). */
  readonly logUnigram: Float64Array;
  /** Weight of the forward model in the pair score; the backward model gets the rest. */
  readonly forwardWeight: number;
  private readonly fwd: Direction;
  private readonly bwd: Direction | null;

  constructor(tables: CountTables, opts: ModelOptions = DEFAULT_MODEL) {
    this.tables = tables;
    const { counts, offsets, rights, bigramCounts } = tables;
    const V = counts.length;
    let total = 0;
    for (let i = 0; i < V; i++) total += counts[i];
    const pUni = new Float64Array(V);
    this.logUnigram = new Float64Array(V);
    for (let i = 0; i < V; i++) {
      pUni[i] = counts[i] / total;
      this.logUnigram[i] = Math.log(pUni[i]);
    }
    this.fwd = new Direction(counts, pUni, offsets, rights, bigramCounts, opts);
    this.forwardWeight = opts.forwardWeight;
    if (opts.forwardWeight < 1) {
      const t = transpose(V, offsets, rights, bigramCounts);
      this.bwd = new Direction(counts, pUni, t.offsets, t.rights, t.counts, opts);
    } else this.bwd = null;
  }

  /** Count of the bigram (h, w), 0 when absent. */
  bigramCount(h: number, w: number): number {
    return this.fwd.count(h, w);
  }

  /** log P(w | h). */
  logProb(h: number, w: number): number {
    return this.fwd.logProb(h, w);
  }

  /**
   * Score of the adjacent pair (h, w): λ·log P(w | h) + (1 − λ)·log P(h | w). Summed over a
   * phrase between boundary tokens, each direction alone is the log-probability of the whole
   * phrase; mixing them lets the right neighbour speak as loudly as the left one where the
   * smoothed estimates disagree.
   */
  pairScore(h: number, w: number): number {
    const f = this.fwd.logProb(h, w);
    if (!this.bwd) return f;
    return this.forwardWeight * f + (1 - this.forwardWeight) * this.bwd.logProb(w, h);
  }
}
