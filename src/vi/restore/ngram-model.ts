/**
 * A smoothed syllable n-gram language model (bigram, or trigram when the tables have trigram
 * counts) over the count tables.
 *
 * Interpolated Kneser–Ney with modified discounts:
 *
 *   P(w | h) = max(c(h w) − D(c), 0) / c(h)  +  γ(h) · P_low(w)
 *
 * D(c) is one of three discounts for counts 1, 2 and 3+, estimated from the counts of counts
 * when the tables were built (csr.ts; on the news corpus 0.62, 1.13, 1.48, which beat a single
 * D = 0.75 on the development sample, 96.68% against 96.62%). c(h) is the unigram count of h
 * and γ(h) is whatever probability mass the kept bigrams
 * of h leave over. Taking γ(h) as the exact remainder (rather than D·N1+(h·)/c(h)) keeps the
 * model normalised after pruning: the mass of the bigrams we dropped flows to the lower order
 * instead of disappearing, so a syllable with many rare successors still backs off sensibly.
 *
 * P_low is the Kneser–Ney continuation probability (in how many distinct contexts w was seen,
 * N1+(· w) / N1+(· ·)) mixed with the plain unigram frequency. Continuation counts are what makes
 * KN better than plain backoff ("Nội" is frequent but almost only after "Hà"), but they are
 * computed here from pruned bigrams, so a little unigram mass keeps every syllable reachable.
 *
 * Trigrams, when present, interpolate the same way on top of the bigram estimate:
 *
 *   P(c | a b) = max(c(a b c) − D(c), 0) / c(a b)  +  γ(a b) · P(c | b)
 *
 * (Reading phrases right to left as well and mixing both directions was tried: once phrase
 * boundaries are modelled it gained nothing on the news evaluation, 95.03% either way, at twice
 * the cost, so it is gone.)
 *
 * Witten–Bell is available for comparison (bench/restore-eval.ts reports both):
 *   P(w | h) = (c(h w) + T(h) · P_uni(w)) / (c(h) + T(h)),  T(h) = distinct successors of h.
 */
import type { CountTables } from './tables.ts';
import { csrFind, type Csr } from './csr.ts';

export type Smoothing = 'kn' | 'wb';

export interface ModelOptions {
  smoothing: Smoothing;
  /** 'auto': the modified Kneser–Ney discounts stored with the tables; a number: one D for every count. */
  discount: number | 'auto';
  /** Weight of the unigram frequency inside P_low for 'kn' (the rest is the continuation probability). */
  unigramMix: number;
}

export const DEFAULT_MODEL: ModelOptions = { smoothing: 'kn', discount: 'auto', unigramMix: 0.1 };

function discountOf(d: [number, number, number], c: number): number {
  return c < 2 ? d[0] : c < 3 ? d[1] : d[2];
}

export class NgramModel {
  readonly tables: CountTables;
  /** log P(w) with no context. */
  readonly logUnigram: Float64Array;
  readonly hasTrigrams: boolean;
  private readonly big: Csr;
  private readonly tri: Csr | null;
  private readonly pLow: Float64Array;
  /** Discounts for counts 1, 2, 3+ (all 0 for Witten–Bell). */
  private readonly disc: [number, number, number];
  /** Trigrams always use discounting (Witten–Bell is a bigram-only comparison). */
  private readonly triDisc: [number, number, number];
  private readonly wittenBell: boolean;
  /**
   * γ and 1/c of each context, computed the first time the context is used (NaN until then):
   * a query touches a few dozen contexts, so computing all of them at load would waste time.
   */
  private readonly gamma: Float64Array;
  private readonly invContext: Float64Array;
  private readonly triGamma: Float64Array;
  private readonly triInv: Float64Array;

  constructor(tables: CountTables, opts: ModelOptions = DEFAULT_MODEL) {
    this.tables = tables;
    this.big = tables.bigrams;
    this.tri = tables.trigrams;
    this.hasTrigrams = tables.trigrams !== null && tables.trigrams.ids.length > 0;
    this.wittenBell = opts.smoothing === 'wb';
    const fixed = (d: number): [number, number, number] => [d, d, d];
    this.disc = this.wittenBell ? fixed(0) : opts.discount === 'auto' ? tables.bigrams.discounts : fixed(opts.discount);
    this.triDisc = opts.discount === 'auto' ? (tables.trigrams?.discounts ?? fixed(0.75)) : fixed(opts.discount);
    const { counts } = tables;
    const V = counts.length;
    let total = 0;
    for (let i = 0; i < V; i++) total += counts[i];
    const pUni = new Float64Array(V);
    this.logUnigram = new Float64Array(V);
    for (let i = 0; i < V; i++) {
      pUni[i] = counts[i] / total;
      this.logUnigram[i] = Math.log(pUni[i]);
    }
    this.gamma = new Float64Array(V).fill(NaN);
    this.invContext = new Float64Array(V);
    const B = this.hasTrigrams ? this.big.ids.length : 0;
    this.triGamma = new Float64Array(B).fill(NaN);
    this.triInv = new Float64Array(B);
    if (this.wittenBell) {
      this.pLow = pUni;
    } else {
      const cont = tables.continuation;
      const types = this.big.ids.length;
      this.pLow = new Float64Array(V);
      for (let w = 0; w < V; w++) {
        const pc = types > 0 ? cont[w] / types : pUni[w];
        this.pLow[w] = (1 - opts.unigramMix) * pc + opts.unigramMix * pUni[w];
      }
    }
  }

  /** Fill γ(h) and 1/c(h) for context h. */
  private prepare(h: number): void {
    const { offsets, counts } = this.big;
    let kept = 0;
    let sum = 0;
    for (let i = offsets[h]; i < offsets[h + 1]; i++) {
      kept += Math.max(counts[i] - discountOf(this.disc, counts[i]), 0);
      sum += counts[i];
    }
    // The unigram count should bound its bigrams; guard against counts from different sources.
    const ch = Math.max(this.tables.counts[h], sum);
    const t = offsets[h + 1] - offsets[h];
    if (!this.wittenBell) {
      this.invContext[h] = ch > 0 ? 1 / ch : 0;
      this.gamma[h] = ch > 0 ? 1 - kept / ch : 1;
    } else if (t === 0) {
      // With no successors at all, back off entirely to the unigram.
      this.invContext[h] = 0;
      this.gamma[h] = 1;
    } else {
      this.invContext[h] = 1 / (ch + t);
      this.gamma[h] = t / (ch + t);
    }
  }

  /** Count of the bigram (h, w), 0 when absent. */
  bigramCount(h: number, w: number): number {
    const p = csrFind(this.big, h, w);
    return p < 0 ? 0 : this.big.counts[p];
  }

  /** P(w | h). */
  prob(h: number, w: number): number {
    if (Number.isNaN(this.gamma[h])) this.prepare(h);
    const c = this.bigramCount(h, w);
    const direct = c > 0 ? Math.max(c - discountOf(this.disc, c), 0) * this.invContext[h] : 0;
    return direct + this.gamma[h] * this.pLow[w];
  }

  /** log P(w | h). */
  logProb(h: number, w: number): number {
    return Math.log(this.prob(h, w));
  }

  /**
   * The trigram context (a, b): its position in the bigram table, or -1 when there are no
   * trigram counts for it. Decoders look it up once per state, then call `logProb3At`.
   */
  trigramContext(a: number, b: number): number {
    const tri = this.tri;
    if (!this.hasTrigrams || tri === null) return -1;
    const ab = csrFind(this.big, a, b);
    if (ab >= 0 && Number.isNaN(this.triGamma[ab])) {
      let kept = 0;
      let sum = 0;
      for (let i = tri.offsets[ab]; i < tri.offsets[ab + 1]; i++) {
        kept += Math.max(tri.counts[i] - discountOf(this.triDisc, tri.counts[i]), 0);
        sum += tri.counts[i];
      }
      const cab = Math.max(this.big.counts[ab], sum);
      this.triInv[ab] = 1 / cab;
      this.triGamma[ab] = 1 - kept / cab;
    }
    return ab;
  }

  /** log P(c | a b) for ab = trigramContext(a, b); p2 = P(c | b) when the caller has it. */
  logProb3At(ab: number, b: number, c: number, p2: number = this.prob(b, c)): number {
    const tri = this.tri;
    if (ab < 0 || tri === null) return Math.log(p2);
    const q = csrFind(tri, ab, c);
    const direct = q >= 0 ? Math.max(tri.counts[q] - discountOf(this.triDisc, tri.counts[q]), 0) * this.triInv[ab] : 0;
    return Math.log(direct + this.triGamma[ab] * p2);
  }

  /** log P(c | a b); the bigram estimate when there are no trigram counts for (a, b). */
  logProb3(a: number, b: number, c: number): number {
    return this.logProb3At(this.trigramContext(a, b), b, c);
  }
}
