/**
 * BM25F scoring over the postings of one segment.
 *
 * For a document d and a term list t with query weight w:
 *   tf~(d) = Σ_f W_f · tf_f(d) / (1 − b_f + b_f · len_f(d) / avglen_f)
 *   score  = w · idf(t) · tf~ · (k1 + 1) / (k1 + tf~),   idf = ln(1 + (N − df + 0.5) / (df + 0.5))
 * (Robertson & Zaragoza's BM25F: field frequencies are normalised and weighted before the one
 * saturation, so a word repeated in title and body is not counted as two independent matches.)
 */
import { BLOCK } from './segment-format.ts';
import { readVarint } from './bytes.ts';
import type { Segment } from './segment.ts';
import type { DecodedList } from './list-cache.ts';

export interface ScoreParams {
  k1: number;
  /** Field weights W_f: title, summary, text. */
  fieldWeight: [number, number, number];
  /** Length normalisation b_f per field. */
  b: [number, number, number];
  /**
   * Exponent on len/avglen (1 = classic BM25). Below 1 the length penalty grows sublinearly:
   * a collection mixing 50-word news items with 400-word articles otherwise crushes every
   * long document's term frequencies.
   */
  lenExp: number;
}

/**
 * Tuned on the dev sets (vinewsqa-dev with 153,825 news items as distractors, vicov19qa-dev,
 * xquad-vi); figures and the grid in docs/ENGINE.md. lenExp 0.5 is the decisive choice.
 */
export const DEFAULT_PARAMS: ScoreParams = {
  k1: 1.2,
  fieldWeight: [1.5, 1.0, 1.0],
  b: [0.5, 0.75, 0.75],
  lenExp: 0.5,
};

export function idf(N: number, df: number): number {
  return Math.log(1 + (N - df + 0.5) / (df + 0.5));
}

/** Skip the df header and the skip table; returns [df, position of the first posting]. */
export function postingsStart(p: Uint8Array, pos: number): [number, number] {
  const at = [pos];
  const df = readVarint(p, pos, at);
  pos = at[0];
  if (df > BLOCK) {
    const nb = Math.ceil(df / BLOCK);
    const entries = 2 * (nb - 1) + 6 * nb;
    for (let i = 0; i < entries; i++) {
      while (p[pos++] & 0x80);
    }
  }
  return [df, pos];
}

/**
 * Upper bound of one list's BM25F saturation term over all its documents, from the block maxima
 * (per field: largest tf, shortest length); Infinity for short lists (no skip table) or a
 * capped tf. Multiply by weight · idf · (k1 + 1) / ... as in accumulate: returned as the bound of
 * tf~ · (k1+1) / (k1 + tf~).
 */
export function listBound(seg: Segment, ord: number, params: ScoreParams, avg: number[]): number {
  const p = seg.postings;
  const at = [seg.postOff[ord]];
  const rd = (): number => readVarint(p, at[0], at);
  const df = rd();
  if (df <= BLOCK) return params.k1 + 1;
  const nb = Math.ceil(df / BLOCK);
  let best = 0;
  for (let b = 0; b < nb; b++) {
    if (b < nb - 1) {
      rd();
      rd();
    }
    let tf = 0;
    for (let f = 0; f < 3; f++) {
      const mt = rd();
      const ml = rd();
      if (mt === 0) continue;
      if (mt >= 255) return params.k1 + 1;
      const bf = params.b[f];
      const norm = 1 / (1 - bf + bf * Math.pow(ml / (avg[f] || 1), params.lenExp));
      tf += params.fieldWeight[f] * mt * norm;
    }
    if (tf > best) best = tf;
  }
  return (best * (params.k1 + 1)) / (params.k1 + best);
}

/** Largest accumulator value seen by the last `accumulate` calls (reset by the caller). */
export const accState = { max: 0 };

/**
 * Add the scores of one term list to `acc` (and OR `bit` into `mask` if non-zero). Documents
 * whose accumulator was zero are appended to `touched` from index `nt`; returns the new count.
 */
export function accumulate(
  seg: Segment,
  ord: number,
  weight: number,
  norms: Float32Array,
  params: ScoreParams,
  acc: Float32Array,
  mask: Uint32Array | undefined,
  bit: number,
  touched: Int32Array,
  nt: number,
): number {
  const p = seg.postings;
  const [df, start] = postingsStart(p, seg.postOff[ord]);
  let pos = start;
  const w0 = params.fieldWeight[0];
  const w1 = params.fieldWeight[1];
  const w2 = params.fieldWeight[2];
  const k1 = params.k1;
  const k1p = weight * (k1 + 1);
  let max = accState.max;
  let doc = -1;
  const at = [0];
  // The hot loop of scoring: document deltas are decoded inline here (not through readVarint)
  // because the call and its out-parameter cost measurably per posting; with shifts on small
  // integers (doc numbers stay far below 2^31), so V8 keeps everything in int32 registers.
  // `norms` is the interleaved array (Segment.packedNorms): one document's three norms are adjacent.
  for (let i = 0; i < df; i++) {
    let b = p[pos++];
    let delta = b & 0x7f;
    if (b > 0x7f) {
      let shift = 7;
      do {
        b = p[pos++];
        delta |= (b & 0x7f) << shift;
        shift += 7;
      } while (b > 0x7f);
    }
    doc = (doc + delta) | 0;
    const t = p[pos++];
    let t0 = t & 3;
    let t1 = (t >> 2) & 3;
    let t2 = (t >> 4) & 3;
    if ((t & (t >> 1) & 0x15) !== 0) {
      // Some field has tf >= 3, its escape varint follows: rare enough for the shared reader.
      at[0] = pos;
      if (t0 === 3) t0 += readVarint(p, at[0], at);
      if (t1 === 3) t1 += readVarint(p, at[0], at);
      if (t2 === 3) t2 += readVarint(p, at[0], at);
      pos = at[0];
    }
    const q = doc << 2;
    const tf = w0 * t0 * norms[q] + w1 * t1 * norms[q + 1] + w2 * t2 * norms[q + 2];
    const before = acc[doc];
    if (before === 0) touched[nt++] = doc;
    const v = before + (k1p * tf) / (k1 + tf);
    acc[doc] = v;
    if (v > max) max = v;
    if (mask !== undefined) mask[doc] |= bit;
  }
  accState.max = max;
  return nt;
}

/**
 * A whole list decoded for the list cache (list-cache.ts): document numbers and each posting's
 * tf~, computed with the very expression of `accumulate` (same operations, same order), so
 * scores from the decoded list are identical to scores from the segment.
 */
export function decodeList(seg: Segment, ord: number, norms: Float32Array, params: ScoreParams): DecodedList {
  const p = seg.postings;
  const [df, start] = postingsStart(p, seg.postOff[ord]);
  const docs = new Int32Array(df);
  const tfs = new Float64Array(df);
  const w0 = params.fieldWeight[0];
  const w1 = params.fieldWeight[1];
  const w2 = params.fieldWeight[2];
  // Once per cached list, not per query: the shared varint reader.
  const at = [start];
  let doc = -1;
  for (let i = 0; i < df; i++) {
    doc = (doc + readVarint(p, at[0], at)) | 0;
    const t = p[at[0]++];
    let t0 = t & 3;
    let t1 = (t >> 2) & 3;
    let t2 = (t >> 4) & 3;
    if (t0 === 3) t0 += readVarint(p, at[0], at);
    if (t1 === 3) t1 += readVarint(p, at[0], at);
    if (t2 === 3) t2 += readVarint(p, at[0], at);
    const q = doc << 2;
    docs[i] = doc;
    tfs[i] = w0 * t0 * norms[q] + w1 * t1 * norms[q + 1] + w2 * t2 * norms[q + 2];
  }
  return { docs, tfs };
}

/** `accumulate` over a decoded list. */
export function accumulateDecoded(list: DecodedList, weight: number, params: ScoreParams, acc: Float32Array, mask: Uint32Array | undefined, bit: number, touched: Int32Array, nt: number): number {
  const docs = list.docs;
  const tfs = list.tfs;
  const k1 = params.k1;
  const k1p = weight * (k1 + 1);
  let max = accState.max;
  const n = docs.length;
  for (let i = 0; i < n; i++) {
    const doc = docs[i];
    const tf = tfs[i];
    const before = acc[doc];
    if (before === 0) touched[nt++] = doc;
    const v = before + (k1p * tf) / (k1 + tf);
    acc[doc] = v;
    if (v > max) max = v;
    if (mask !== undefined) mask[doc] |= bit;
  }
  accState.max = max;
  return nt;
}

/** `scoreCandidates` over a decoded list: a merge of two ascending sequences. */
export function scoreCandidatesDecoded(list: DecodedList, weight: number, params: ScoreParams, acc: Float32Array, cands: Int32Array, nc: number, mask?: Uint32Array, bit = 0): void {
  const docs = list.docs;
  const tfs = list.tfs;
  const k1 = params.k1;
  const k1p = weight * (k1 + 1);
  const n = docs.length;
  let i = 0;
  for (let ci = 0; ci < nc && i < n; ci++) {
    const c = cands[ci];
    // Gallop to the first posting >= c (candidates are usually far fewer than postings).
    if (docs[i] < c) {
      let step = 1;
      let hi = i + 1;
      while (hi < n && docs[hi] < c) {
        i = hi;
        step *= 2;
        hi = i + step;
      }
      if (hi > n) hi = n;
      let lo = i + 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (docs[mid] < c) lo = mid + 1;
        else hi = mid;
      }
      i = lo;
      if (i >= n) break;
    }
    if (docs[i] === c) {
      const tf = tfs[i];
      acc[c] += (k1p * tf) / (k1 + tf);
      if (mask !== undefined) mask[c] |= bit;
      i++;
    }
  }
}

/** Where each block of 128 postings of the list at `ord` starts, and its last document. */
export interface BlockLayout {
  df: number;
  /** Last document of each block (the final block: Infinity). */
  lastDoc: Float64Array;
  /** Byte offset where each block's postings start. */
  blockStart: Float64Array;
}

/** Read the skip table of the list at `ord` (one block and no table when df ≤ BLOCK). */
export function blockLayout(seg: Segment, ord: number): BlockLayout {
  const p = seg.postings;
  const at = [0];
  const df = readVarint(p, seg.postOff[ord], at);
  const nb = df > BLOCK ? Math.ceil(df / BLOCK) : 1;
  const lastDoc = new Float64Array(nb);
  const len = new Float64Array(nb);
  let prevLast = -1;
  if (df > BLOCK) {
    for (let b = 0; b < nb; b++) {
      if (b < nb - 1) {
        prevLast += readVarint(p, at[0], at);
        lastDoc[b] = prevLast;
        len[b] = readVarint(p, at[0], at);
      }
      for (let k = 0; k < 6; k++) readVarint(p, at[0], at);
    }
  }
  lastDoc[nb - 1] = Infinity;
  const blockStart = new Float64Array(nb);
  let off = at[0];
  for (let b = 0; b < nb; b++) {
    blockStart[b] = off;
    off += len[b];
  }
  return { df, lastDoc, blockStart };
}

/**
 * MaxScore's second phase: add the list's scores only for `cands` (ascending doc numbers),
 * jumping over whole blocks of postings with the skip table. Common words thus cost a few
 * block decodes instead of a walk over every posting.
 */
export function scoreCandidates(seg: Segment, ord: number, weight: number, norms: Float32Array, params: ScoreParams, acc: Float32Array, cands: Int32Array, nc: number, mask?: Uint32Array, bit = 0): void {
  if (nc === 0) return;
  const p = seg.postings;
  let pos = 0;
  const rd = (): number => {
    let b = p[pos++];
    let v = b & 0x7f;
    let shift = 128;
    while (b & 0x80) {
      b = p[pos++];
      v += (b & 0x7f) * shift;
      shift *= 128;
    }
    return v;
  };
  const { df, lastDoc, blockStart } = blockLayout(seg, ord);
  const nb = lastDoc.length;
  const w0 = params.fieldWeight[0];
  const w1 = params.fieldWeight[1];
  const w2 = params.fieldWeight[2];
  const k1 = params.k1;
  const k1p = weight * (k1 + 1);
  let b = 0;
  let ci = 0;
  while (ci < nc && b < nb) {
    const c = cands[ci];
    while (b < nb && lastDoc[b] < c) b++;
    if (b >= nb) break;
    // Decode block b, scoring every candidate inside it.
    pos = blockStart[b];
    let doc = b === 0 ? -1 : lastDoc[b - 1];
    const count = b === nb - 1 ? df - b * BLOCK : BLOCK;
    for (let i = 0; i < count && ci < nc; i++) {
      doc += rd();
      const t = p[pos++];
      let t0 = t & 3;
      let t1 = (t >> 2) & 3;
      let t2 = (t >> 4) & 3;
      if (t0 === 3) t0 += rd();
      if (t1 === 3) t1 += rd();
      if (t2 === 3) t2 += rd();
      while (ci < nc && cands[ci] < doc) ci++;
      if (ci < nc && cands[ci] === doc) {
        const q = doc << 2;
        const tf = w0 * t0 * norms[q] + w1 * t1 * norms[q + 1] + w2 * t2 * norms[q + 2];
        acc[doc] += (k1p * tf) / (k1 + tf);
        if (mask !== undefined) mask[doc] |= bit;
        ci++;
      }
    }
    b++;
  }
}

/** Per-field tfs of `doc` in the list at `ord`, or undefined when absent (for explanations). */
export function findTfs(seg: Segment, ord: number, target: number): [number, number, number] | undefined {
  const p = seg.postings;
  const [df, start] = postingsStart(p, seg.postOff[ord]);
  let pos = start;
  let doc = -1;
  const rd = (): number => {
    let b = p[pos++];
    let v = b & 0x7f;
    let shift = 128;
    while (b & 0x80) {
      b = p[pos++];
      v += (b & 0x7f) * shift;
      shift *= 128;
    }
    return v;
  };
  for (let i = 0; i < df; i++) {
    doc += rd();
    const t = p[pos++];
    let t0 = t & 3;
    let t1 = (t >> 2) & 3;
    let t2 = (t >> 4) & 3;
    if (t0 === 3) t0 += rd();
    if (t1 === 3) t1 += rd();
    if (t2 === 3) t2 += rd();
    if (doc === target) return [t0, t1, t2];
    if (doc > target) return undefined;
  }
  return undefined;
}
