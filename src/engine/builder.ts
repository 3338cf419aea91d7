/**
 * Builds one segment in memory from analysed documents, then serialises it (format in
 * ./segment-format.ts and docs/ENGINE.md).
 *
 * Terms (one dictionary, three namespaces by first character):
 *   'e' + norm            exact (accented, canonical) syllable or other token
 *   'f' + folded          diacritic-free form
 *   'b' + fa + ' ' + fb   folded adjacent-word bigram (never across punctuation or fields)
 * A posting carries the term frequency in each field, so BM25F is computed exactly at query time.
 *
 * Speed: analysis is the hot path of indexing. Term ids come from Maps keyed by the strings the
 * tokenizer already produced (its cache returns the same string objects), bigrams by a numeric
 * pair key, and postings go into a flat append-only log (term, doc, packed tfs) in typed arrays,
 * sorted by term with a counting sort at flush time: no per-term objects.
 */
import { forEachToken } from '../vi/index.ts';
import { FIELDS, NFIELDS, dayOf, NO_DAY } from './fields.ts';
import { encodeSegment, type SegmentData } from './segment-format.ts';

const PAIR = 4194304; // 2^22: numeric key of a pair of term ids (ids stay far below 2^31)

export interface BuildDoc {
  seq: number;
  doc: Record<string, unknown>;
}

export class SegmentBuilder {
  // Term ids
  private exactIds = new Map<string, number>();
  private foldIds = new Map<string, number>();
  private bigramIds = new Map<number, number>();
  private termStr: string[] = [];
  private bigramPairs: number[] = []; // global id -> pair key for bigrams (others: -1)
  // Exact bigram collection counts (for accent restoration), keyed by exact id pair.
  private exactBigrams = new Map<number, number>();
  private exactCounts: number[] = [];

  // Per-document scratch
  private tf: Uint16Array[] = [new Uint16Array(1 << 16), new Uint16Array(1 << 16), new Uint16Array(1 << 16)];
  private seen = new Int32Array(1 << 16).fill(-1);
  private touched: number[] = [];

  // Postings log
  private logTerm = new Uint32Array(1 << 20);
  private logDoc = new Uint32Array(1 << 20);
  private logTf = new Uint32Array(1 << 20);
  private logLen = 0;

  // Columns
  private seqs: number[] = [];
  private days: number[] = [];
  private srcOrd: number[] = [];
  private catOrd: number[] = [];
  private lens: number[][] = [[], [], []];
  private sources = new Map<string, number>();
  private categories = new Map<string, number>();
  private deletedSeqs = new Set<number>();

  get docCount(): number {
    return this.seqs.length;
  }

  /** Approximate bytes held, for flushing by size. */
  memoryBytes(): number {
    return this.logLen * 12 + this.termStr.length * 80 + this.exactBigrams.size * 40 + this.seqs.length * 40;
  }

  private newTerm(s: string, pair: number): number {
    const id = this.termStr.length;
    this.termStr.push(s);
    this.bigramPairs.push(pair);
    if (id >= this.seen.length) {
      const n = this.seen.length * 2;
      const seen = new Int32Array(n).fill(-1);
      seen.set(this.seen);
      this.seen = seen;
      for (let f = 0; f < NFIELDS; f++) {
        const t = new Uint16Array(n);
        t.set(this.tf[f]);
        this.tf[f] = t;
      }
    }
    return id;
  }

  add(seq: number, doc: Record<string, unknown>): void {
    const local = this.seqs.length;
    this.seqs.push(seq);
    this.days.push(dayOf(doc.published));
    this.srcOrd.push(ordinal(this.sources, doc.source));
    this.catOrd.push(ordinal(this.categories, doc.category));
    const seen = this.seen;
    const touched = this.touched;
    touched.length = 0;
    for (let f = 0; f < NFIELDS; f++) {
      const value = doc[FIELDS[f]];
      if (typeof value !== 'string' || value === '') {
        this.lens[f].push(0);
        continue;
      }
      const tf = this.tf[f];
      let prevFold = -1;
      let prevExact = -1;
      let count = 0;
      forEachToken(value, (norm, folded, _s, _e, _type, gap) => {
        count++;
        let e = this.exactIds.get(norm);
        if (e === undefined) {
          e = this.newTerm('e' + norm, -1);
          this.exactIds.set(norm, e);
          this.exactCounts[e] = 0;
        }
        this.exactCounts[e]++;
        let fo = this.foldIds.get(folded);
        if (fo === undefined) {
          fo = this.newTerm('f' + folded, -1);
          this.foldIds.set(folded, fo);
        }
        const e2 = e;
        const fo2 = fo;
        if (seen[e2] !== local) {
          seen[e2] = local;
          touched.push(e2);
          this.tf[0][e2] = 0;
          this.tf[1][e2] = 0;
          this.tf[2][e2] = 0;
        }
        if (tf[e2] < 65535) tf[e2]++;
        if (seen[fo2] !== local) {
          seen[fo2] = local;
          touched.push(fo2);
          this.tf[0][fo2] = 0;
          this.tf[1][fo2] = 0;
          this.tf[2][fo2] = 0;
        }
        if (tf[fo2] < 65535) tf[fo2]++;
        if (prevFold >= 0 && !gap) {
          const key = prevFold * PAIR + fo2;
          let b = this.bigramIds.get(key);
          if (b === undefined) {
            b = this.newTerm('', key);
            this.bigramIds.set(key, b);
          }
          if (seen[b] !== local) {
            seen[b] = local;
            touched.push(b);
            this.tf[0][b] = 0;
            this.tf[1][b] = 0;
            this.tf[2][b] = 0;
          }
          if (tf[b] < 65535) tf[b]++;
          const ek = prevExact * PAIR + e2;
          this.exactBigrams.set(ek, (this.exactBigrams.get(ek) ?? 0) + 1);
        }
        prevFold = fo2;
        prevExact = e2;
      });
      this.lens[f].push(Math.min(count, 65535));
    }
    // Append this document's postings to the log.
    const n = touched.length;
    if (this.logLen + n > this.logTerm.length) this.growLog(this.logLen + n);
    const t0 = this.tf[0];
    const t1 = this.tf[1];
    const t2 = this.tf[2];
    for (let i = 0; i < n; i++) {
      const id = touched[i];
      const p = this.logLen++;
      this.logTerm[p] = id;
      this.logDoc[p] = local;
      this.logTf[p] = Math.min(t0[id], 1023) | (Math.min(t1[id], 1023) << 10) | (Math.min(t2[id], 1023) << 20);
    }
  }

  /** Mark a document added to this builder as deleted (it was replaced before the flush). */
  deleteSeq(seq: number): boolean {
    const i = bsearch(this.seqs, seq);
    if (i < 0) return false;
    this.deletedSeqs.add(seq);
    return true;
  }

  private growLog(min: number): void {
    let cap = this.logTerm.length * 2;
    while (cap < min) cap *= 2;
    const grow = (a: Uint32Array) => {
      const b = new Uint32Array(cap);
      b.set(a.subarray(0, this.logLen));
      return b;
    };
    this.logTerm = grow(this.logTerm);
    this.logDoc = grow(this.logDoc);
    this.logTf = grow(this.logTf);
  }

  /** Serialise, plus the local doc numbers already deleted. */
  build(): { bytes: Uint8Array; deleted: number[] } {
    const nTerms = this.termStr.length;
    const strs = this.termStr;
    for (let id = 0; id < nTerms; id++) {
      const key = this.bigramPairs[id];
      if (key >= 0) {
        const a = Math.floor(key / PAIR);
        const b = key - a * PAIR;
        strs[id] = 'b' + strs[a].slice(1) + ' ' + strs[b].slice(1);
      }
    }
    const order = new Uint32Array(nTerms);
    for (let i = 0; i < nTerms; i++) order[i] = i;
    order.sort((a, b) => (strs[a] < strs[b] ? -1 : strs[a] > strs[b] ? 1 : 0));
    const rank = new Uint32Array(nTerms);
    for (let i = 0; i < nTerms; i++) rank[order[i]] = i;

    // Counting sort of the log by term rank (stable: documents stay ascending).
    const start = new Uint32Array(nTerms + 1);
    for (let p = 0; p < this.logLen; p++) start[rank[this.logTerm[p]] + 1]++;
    for (let i = 0; i < nTerms; i++) start[i + 1] += start[i];
    const fill = start.slice(0, nTerms);
    const docs = new Uint32Array(this.logLen);
    const tfs = new Uint32Array(this.logLen);
    for (let p = 0; p < this.logLen; p++) {
      const r = rank[this.logTerm[p]];
      const q = fill[r]++;
      docs[q] = this.logDoc[p];
      tfs[q] = this.logTf[p];
    }

    const minCount = this.seqs.length >= 50000 ? 2 : 1;
    const eb: number[] = [];
    for (const [key, c] of this.exactBigrams) {
      if (c < minCount) continue;
      const a = Math.floor(key / PAIR);
      eb.push(rank[a], rank[key - a * PAIR], c);
    }
    const exactCf: number[] = [];
    for (let i = 0; i < nTerms; i++) {
      const id = order[i];
      if (strs[id].charCodeAt(0) === 101 /* e */) exactCf.push(i, this.exactCounts[id]);
    }
    const deleted: number[] = [];
    if (this.deletedSeqs.size) for (let i = 0; i < this.seqs.length; i++) if (this.deletedSeqs.has(this.seqs[i])) deleted.push(i);

    const data: SegmentData = {
      docCount: this.seqs.length,
      terms: Array.from(order, (id) => strs[id]),
      postingsStart: start,
      postingDocs: docs,
      postingTfs: tfs,
      seqs: this.seqs,
      days: this.days,
      src: this.srcOrd,
      cat: this.catOrd,
      lens: this.lens,
      sources: [...this.sources.keys()],
      categories: [...this.categories.keys()],
      exactBigrams: eb,
      exactCf,
    };
    return { bytes: encodeSegment(data), deleted };
  }
}

function ordinal(map: Map<string, number>, v: unknown): number {
  if (typeof v !== 'string' || v === '') return 0;
  let o = map.get(v);
  if (o === undefined) {
    o = map.size + 1;
    if (o > 65535) return 0; // more distinct values than a column can hold: left unfiled
    map.set(v, o);
  }
  return o;
}

export function bsearch(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = a[mid];
    if (x === v) return mid;
    if (x < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export { NO_DAY };
