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
}

export const DEFAULT_MODEL: ModelOptions = { smoothing: 'kn', discount: 0.75, unigramMix: 0.1 };

export class BigramModel {
  readonly tables: CountTables;
  /** log P(w) with no context (start of a phrase). */
  readonly logUnigram: Float64Array;
  private readonly pLow: Float64Array;
  private readonly gamma: Float64Array;
  private readonly invContext: Float64Array;
  private readonly discount: number;
  private readonly smoothing: Smoothing;

  constructor(tables: CountTables, opts: ModelOptions = DEFAULT_MODEL) {
    this.tables = tables;
    this.smoothing = opts.smoothing;
    this.discount = opts.smoothing === 'kn' ? opts.discount : 0;
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
    this.gamma = new Float64Array(V);
    this.invContext = new Float64Array(V);
    if (opts.smoothing === 'kn') {
      const cont = new Float64Array(V);
      for (let i = 0; i < rights.length; i++) cont[rights[i]]++;
      const types = rights.length;
      this.pLow = new Float64Array(V);
      for (let w = 0; w < V; w++) {
        const pc = types > 0 ? cont[w] / types : pUni[w];
        this.pLow[w] = (1 - opts.unigramMix) * pc + opts.unigramMix * pUni[w];
      }
      for (let h = 0; h < V; h++) {
        let kept = 0;
        let sum = 0;
        for (let i = offsets[h]; i < offsets[h + 1]; i++) {
          kept += Math.max(bigramCounts[i] - this.discount, 0);
          sum += bigramCounts[i];
        }
        // The unigram count should bound its bigrams; guard against counts from different sources.
        const ch = Math.max(counts[h], sum);
        this.invContext[h] = 1 / ch;
        this.gamma[h] = 1 - kept / ch;
      }
    } else {
      this.pLow = pUni;
      for (let h = 0; h < V; h++) {
        const t = offsets[h + 1] - offsets[h];
        let sum = 0;
        for (let i = offsets[h]; i < offsets[h + 1]; i++) sum += bigramCounts[i];
        const ch = Math.max(counts[h], sum);
        // With no successors at all, back off entirely to the unigram.
        if (t === 0) {
          this.invContext[h] = 0;
          this.gamma[h] = 1;
        } else {
          this.invContext[h] = 1 / (ch + t);
          this.gamma[h] = t / (ch + t);
        }
      }
    }
  }

  /** Count of the bigram (h, w), 0 when absent. */
  bigramCount(h: number, w: number): number {
    const { offsets, rights, bigramCounts } = this.tables;
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

  /** log P(w | h). */
  logProb(h: number, w: number): number {
    const c = this.bigramCount(h, w);
    const direct = c > 0 ? Math.max(c - this.discount, 0) * this.invContext[h] : 0;
    return Math.log(direct + this.gamma[h] * this.pLow[w]);
  }
}
