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
 * Speed: analysis is the hot path of indexing. Term ids come from a Map keyed by the strings the
 * tokenizer already produced (its cache returns the same string objects), bigrams from a typed
 * open-addressing table (./pair-table.ts), and postings go into a flat append-only log (term, doc, packed tfs) in typed arrays,
 * sorted by term with a counting sort at flush time: no per-term objects. Each term's document
 * frequency is counted as postings are logged, so the sort is one scatter pass; bigram strings
 * are never built (their bytes are made from their parts'), and the segment is encoded by
 * ./segment-format.ts straight into one buffer.
 */
import { forEachToken } from '../vi/index.ts';
import type { Forms } from '../vi/tokenize.ts';
import { FIELDS, NFIELDS, NO_DAY } from './fields.ts';
import { datingTime } from '../ingest/dating.ts';
import { vietnamDayNumber } from '../ingest/timestamps.ts';
import { encodeSegment, type SegmentData } from './segment-format.ts';
import { PairTable } from './pair-table.ts';
import type { TokenDict } from './token-stream.ts';


export interface BuildDoc {
  seq: number;
  doc: Record<string, unknown>;
}

export class SegmentBuilder {
  // Term ids: one Map from the tokenizer's norm string to its exact term id (the tokenizer
  // hands back the same cached string objects, so hashing is cheap), the folded term id by array.
  private exactIds = new Map<string, number>();
  private foldIds = new Map<string, number>();
  private foldOfExact: number[] = [];
  private bigramIds = new PairTable(1 << 18);
  private termStr: string[] = [];
  private bigramA: number[] = []; // global id -> first fold id for bigrams (others: -1)
  private bigramB: number[] = [];
  // Exact bigram collection counts (for accent restoration), keyed by exact id pair.
  private exactBigrams = new PairTable(1 << 18);
  private exactCounts: number[] = [];

  // Per term, side by side (one cache line holds four terms; the hot path is memory-bound):
  // st[4·id] = the last document that met the term (-1: none yet), st[4·id + 1] = its tfs in
  // that document (10 bits per field), st[4·id + 2] = its document frequency so far.
  private st = newTermState(1 << 16);
  /** Terms met in the current document: touched[0, nTouched). */
  private touched = new Int32Array(1 << 12);
  private nTouched = 0;

  // Postings log
  // Postings log in chunks (never copied as it grows): full chunks, then the current one.
  private chunks: { term: Uint32Array; doc: Uint32Array; tf: Uint32Array; len: number }[] = [];
  private logTerm = new Uint32Array(1 << 16);
  private logDoc = new Uint32Array(1 << 16);
  private logTf = new Uint32Array(1 << 16);
  private logPos = 0;
  private logLen = 0;

  // Columns
  private seqs: number[] = [];
  private days: number[] = [];
  private times: number[] = [];
  private srcOrd: number[] = [];
  private catOrd: number[] = [];
  private lens: number[][] = [[], [], []];
  private sources = new Map<string, number>();
  private categories = new Map<string, number>();
  private deletedSeqs = new Set<number>();

  // State of the token sink for the current field.
  /**
   * Weight of this document's exact bigrams in the restoration counts: every document of the
   * first 8,192, then one in four counted four times. The counts only feed accent restoration,
   * whose probabilities do not move with such a sample of a large segment, and the hash-table
   * probe per token was a sixth of indexing time.
   */
  private ebWeight = 1;
  private curDoc = 0;
  private curShift = 0;
  private prevFold = -1;
  private prevExact = -1;
  private count = 0;
  /** Identifies this builder on the tokenizer's forms objects (see `sink`). */
  private readonly memo: object = {};
  private readonly sink = (norm: string, folded: string, _s: number, _e: number, _type: string, gap: boolean, forms?: Forms): void => {
    // The tokenizer hands out one forms object per distinct raw token: the exact term id is
    // memoised on it (owner = this builder's memo token), so most tokens need no hash lookup at
    // all. The token is an empty object, never the builder itself: the tokenizer's cache is
    // global and outlives the builder, and a builder held by a cached forms object would keep
    // its tables (tens of MB) alive — one per batch a long-running indexer ever built.
    let e: number;
    if (forms !== undefined && forms.owner === this.memo) e = forms.id;
    else {
      e = this.exactOf(norm, folded);
      if (forms !== undefined) {
        forms.owner = this.memo;
        forms.id = e;
      }
    }
    this.count++;
    this.token(e, gap);
  };

  /** Exact term ids of a TokenDict's ids (-1: not looked up yet), for tokens that come encoded. */
  private exactOfId = new Int32Array(1 << 12).fill(-1);
  private dictEpoch = -1;

  /** The exact term id of a matching form, made (with its folded term) when new. */
  private exactOf(norm: string, folded: string): number {
    const e = this.exactIds.get(norm);
    if (e !== undefined) return e;
    // Term ids are handed out in token order: the bigrams waiting before this token first.
    this.flushBigrams();
    let f = this.foldIds.get(folded);
    if (f === undefined) {
      f = this.newTerm('f' + folded);
      this.foldIds.set(folded, f);
    }
    const n = this.newTerm('e' + norm);
    this.exactIds.set(norm, n);
    this.exactCounts[n] = 0;
    this.foldOfExact[n] = f;
    return n;
  }

  /**
   * One token of the current field: its exact and folded terms now; the bigram with the previous
   * token is queued (`flushBigrams`).
   */
  private token(e: number, gap: boolean): void {
    const fo = this.foldOfExact[e];
    this.exactCounts[e]++;
    this.bump(e);
    this.bump(fo);
    const pf = this.prevFold;
    if (pf >= 0 && !gap) {
      const k = 4 * this.nBg;
      if (k === this.bg.length) {
        const bg = new Int32Array(2 * k);
        bg.set(this.bg);
        this.bg = bg;
      }
      const bg = this.bg;
      bg[k] = pf;
      bg[k + 1] = fo;
      bg[k + 2] = this.prevExact;
      bg[k + 3] = e;
      this.nBg++;
    }
    this.prevFold = fo;
    this.prevExact = e;
  }

  /** Queued bigrams: (first folded, second folded, first exact, second exact) per occurrence. */
  private bg = new Int32Array(4 * 256);
  private nBg = 0;
  private bgIds = new Int32Array(256);

  /**
   * The queued bigrams' term ids, counts and restoration weights, in token order. Queued so that
   * the hash-table probes, which miss the CPU caches (the tables are tens of MB), come one after
   * another with nothing depending on them: the processor overlaps the misses. Called at the end
   * of each field and before a new exact or folded term is made, so term ids are given exactly
   * in token order as before.
   */
  private flushBigrams(): void {
    const n = this.nBg;
    if (n === 0) return;
    this.nBg = 0;
    const bg = this.bg;
    const table = this.bigramIds;
    if (this.bgIds.length < n) this.bgIds = new Int32Array(this.bg.length / 4);
    const ids = this.bgIds;
    for (let i = 0; i < n; i++) ids[i] = table.get(bg[4 * i], bg[4 * i + 1]);
    const w = this.ebWeight;
    for (let i = 0; i < n; i++) {
      let b = ids[i];
      if (b < 0) {
        // New, unless an earlier occurrence in this run made it.
        const pf = bg[4 * i];
        const fo = bg[4 * i + 1];
        b = table.get(pf, fo);
        if (b < 0) {
          b = this.newTerm('');
          this.bigramA[b] = pf;
          this.bigramB[b] = fo;
          table.set(pf, fo, b);
        }
        ids[i] = b;
      }
    }
    if (w) for (let i = 0; i < n; i++) this.exactBigrams.add(bg[4 * i + 2], bg[4 * i + 3], w);
    for (let i = 0; i < n; i++) this.bump(ids[i]);
  }

  get docCount(): number {
    return this.seqs.length;
  }

  /** Approximate bytes held, for flushing by size. */
  memoryBytes(): number {
    return this.logLen * 12 + this.termStr.length * 64 + this.bigramIds.bytes() + this.exactBigrams.bytes() + this.seqs.length * 48;
  }

  private newTerm(s: string): number {
    const id = this.termStr.length;
    this.termStr.push(s);
    this.bigramA.push(-1);
    this.bigramB.push(-1);
    if (4 * id >= this.st.length) {
      const st = newTermState(this.st.length / 2);
      st.set(this.st);
      this.st = st;
    }
    return id;
  }

  private bump(id: number): void {
    const st = this.st;
    const k = id << 2;
    if (st[k] !== this.curDoc) {
      st[k] = this.curDoc;
      if (this.nTouched === this.touched.length) {
        const t = new Int32Array(this.touched.length * 2);
        t.set(this.touched);
        this.touched = t;
      }
      this.touched[this.nTouched++] = id;
      st[k + 1] = 1 << this.curShift;
      return;
    }
    const v = st[k + 1];
    if (((v >>> this.curShift) & 1023) < 1023) st[k + 1] = v + (1 << this.curShift);
  }

  add(seq: number, doc: Record<string, unknown>): void {
    const local = this.beginDoc(seq, doc);
    for (let f = 0; f < NFIELDS; f++) {
      const value = doc[FIELDS[f]];
      if (typeof value !== 'string' || value === '') {
        this.lens[f].push(0);
        continue;
      }
      this.curShift = 10 * f;
      this.prevFold = -1;
      this.prevExact = -1;
      this.count = 0;
      forEachToken(value, this.sink);
      this.flushBigrams();
      this.lens[f].push(Math.min(this.count, 65535));
    }
    this.endDoc(local);
  }

  /**
   * Add a document tokenised elsewhere (./token-stream.ts): `meta` holds its other fields
   * (published, source, category), its tokens start at toks[at]. Returns where the next
   * document's start. The same as `add` of the document itself.
   */
  addTokens(seq: number, meta: Record<string, unknown>, toks: Int32Array, at: number, dict: TokenDict): number {
    if (dict.epoch !== this.dictEpoch) {
      this.exactOfId.fill(-1);
      this.dictEpoch = dict.epoch;
    }
    const local = this.beginDoc(seq, meta);
    for (let f = 0; f < NFIELDS; f++) {
      const n = toks[at++];
      this.curShift = 10 * f;
      this.prevFold = -1;
      this.prevExact = -1;
      for (let i = 0; i < n; i++) {
        const code = toks[at++];
        const id = code >>> 1;
        let e = id < this.exactOfId.length ? this.exactOfId[id] : -1;
        if (e < 0) {
          e = this.exactOf(dict.norms[id], dict.folds[id]);
          if (id >= this.exactOfId.length) {
            let len = this.exactOfId.length * 2;
            while (len <= id) len *= 2;
            const m = new Int32Array(len).fill(-1);
            m.set(this.exactOfId);
            this.exactOfId = m;
          }
          this.exactOfId[id] = e;
        }
        this.token(e, (code & 1) === 1);
      }
      this.flushBigrams();
      this.lens[f].push(Math.min(n, 65535));
    }
    this.endDoc(local);
    return at;
  }

  /** Columns of a new document; returns its local number. */
  private beginDoc(seq: number, doc: Record<string, unknown>): number {
    const local = this.seqs.length;
    this.seqs.push(seq);
    // The one dating rule (src/ingest/dating.ts), shared with the observatory.
    const t = datingTime(doc);
    this.times.push(t ?? NaN);
    this.days.push(t === undefined ? NO_DAY : vietnamDayNumber(t));
    this.srcOrd.push(ordinal(this.sources, doc.source));
    this.catOrd.push(ordinal(this.categories, doc.category));
    this.curDoc = local;
    this.ebWeight = 1;
    this.nTouched = 0;
    return local;
  }

  /** Append the document's postings to the log. */
  private endDoc(local: number): void {
    const touched = this.touched;
    const n = this.nTouched;
    if (this.logPos + n > this.logTerm.length) this.newChunk(n);
    const st = this.st;
    const lt = this.logTerm;
    const ld = this.logDoc;
    const lf = this.logTf;
    let p = this.logPos;
    for (let i = 0; i < n; i++) {
      const id = touched[i];
      const k = id << 2;
      lt[p] = id;
      ld[p] = local;
      lf[p] = st[k + 1];
      st[k + 2]++;
      p++;
    }
    this.logPos = p;
    this.logLen += n;
  }

  /** Mark a document added to this builder as deleted (it was replaced before the flush). */
  deleteSeq(seq: number): boolean {
    const i = bsearch(this.seqs, seq);
    if (i < 0) return false;
    this.deletedSeqs.add(seq);
    return true;
  }

  /** Seal the current log chunk and start the next (chunks double up to 4M entries). */
  private newChunk(min: number): void {
    this.chunks.push({ term: this.logTerm, doc: this.logDoc, tf: this.logTf, len: this.logPos });
    const cap = Math.max(min, Math.min(this.logTerm.length * 2, 1 << 22));
    this.logTerm = new Uint32Array(cap);
    this.logDoc = new Uint32Array(cap);
    this.logTf = new Uint32Array(cap);
    this.logPos = 0;
  }

  /**
   * Term ids in dictionary (JS string) order. Namespaces sort apart ('b' < 'e' < 'f'); exact and
   * folded terms are sorted as strings, and bigrams — most of the terms — by the ranks of their
   * two folded parts with two counting sorts. That is the string order of "b" + fa + " " + fb
   * when no folded term holds a character at or below the space (then a shorter part sorts
   * first in both orders): checked, else the bigram strings are made and everything is sorted
   * as strings.
   */
  private termOrder(): Uint32Array {
    const strs = this.termStr;
    const nTerms = strs.length;
    const cmp = (a: number, b: number) => (strs[a] < strs[b] ? -1 : strs[a] > strs[b] ? 1 : 0);
    const eIds: number[] = [];
    const fIds: number[] = [];
    let nB = 0;
    for (let id = 0; id < nTerms; id++) {
      if (this.bigramA[id] >= 0) nB++;
      else if (strs[id].charCodeAt(0) === 101 /* e */) eIds.push(id);
      else fIds.push(id);
    }
    eIds.sort(cmp);
    fIds.sort(cmp);
    const nF = fIds.length;
    const frank = new Int32Array(nTerms);
    for (let i = 0; i < nF; i++) frank[fIds[i]] = i;
    // LSD radix: counting sort of the bigram ids by second part, then (stable) by first part.
    const byB = new Uint32Array(nB);
    const count = new Uint32Array(nF + 1);
    for (let id = 0; id < nTerms; id++) if (this.bigramA[id] >= 0) count[frank[this.bigramB[id]] + 1]++;
    for (let i = 0; i < nF; i++) count[i + 1] += count[i];
    for (let id = 0; id < nTerms; id++) if (this.bigramA[id] >= 0) byB[count[frank[this.bigramB[id]]]++] = id;
    count.fill(0);
    for (let i = 0; i < nB; i++) count[frank[this.bigramA[byB[i]]] + 1]++;
    for (let i = 0; i < nF; i++) count[i + 1] += count[i];
    const order = new Uint32Array(nTerms);
    for (let i = 0; i < nB; i++) {
      const id = byB[i];
      order[count[frank[this.bigramA[id]]]++] = id;
    }
    let k = nB;
    for (const id of eIds) order[k++] = id;
    for (const id of fIds) order[k++] = id;
    let plain = true;
    for (let i = 0; i < nF && plain; i++) {
      const f = strs[fIds[i]];
      for (let j = 1; j < f.length; j++) {
        if (f.charCodeAt(j) <= 32) {
          plain = false;
          break;
        }
      }
    }
    if (!plain) {
      for (let id = 0; id < nTerms; id++) {
        const a = this.bigramA[id];
        if (a >= 0) strs[id] = 'b' + strs[a].slice(1) + ' ' + strs[this.bigramB[id]].slice(1);
      }
      order.sort(cmp);
    }
    return order;
  }

  /**
   * The terms' UTF-8 bytes in `order`, one after another, and their offsets. A bigram's bytes are
   * made from its parts' ("b", fa, " ", fb), so the bigram strings themselves are never built.
   */
  private termBytes(order: Uint32Array): { bytes: Uint8Array; off: Uint32Array } {
    const strs = this.termStr;
    const nTerms = strs.length;
    const A = this.bigramA;
    const B = this.bigramB;
    const enc: (Uint8Array | undefined)[] = new Array(nTerms);
    let total = 0;
    for (let id = 0; id < nTerms; id++) if (A[id] < 0) total += (enc[id] = Buffer.from(strs[id], 'utf8')).length;
    for (let id = 0; id < nTerms; id++) if (A[id] >= 0) total += enc[A[id]]!.length + enc[B[id]]!.length;
    const bytes = new Uint8Array(total);
    const off = new Uint32Array(nTerms + 1);
    let p = 0;
    for (let i = 0; i < nTerms; i++) {
      const id = order[i];
      off[i] = p;
      const a = A[id];
      if (a < 0) {
        const t = enc[id]!;
        for (let j = 0; j < t.length; j++) bytes[p++] = t[j];
        continue;
      }
      // "b" + fa + " " + fb, where each part's bytes start with its namespace letter "f".
      const ta = enc[a]!;
      const tb = enc[B[id]]!;
      bytes[p++] = 98; // b
      for (let j = 1; j < ta.length; j++) bytes[p++] = ta[j];
      bytes[p++] = 32;
      for (let j = 1; j < tb.length; j++) bytes[p++] = tb[j];
    }
    off[nTerms] = p;
    return { bytes, off };
  }

  /** Serialise, plus the local doc numbers already deleted. */
  build(): { bytes: Uint8Array; deleted: number[] } {
    const nTerms = this.termStr.length;
    const strs = this.termStr;
    const order = this.termOrder();
    const rank = new Uint32Array(nTerms);
    for (let i = 0; i < nTerms; i++) rank[order[i]] = i;

    // Counting sort of the log by term rank (stable: documents stay ascending). The counts are
    // the document frequencies kept while adding; `next` is where each term's next posting goes.
    const st = this.st;
    const start = new Uint32Array(nTerms + 1);
    const next = new Uint32Array(nTerms);
    for (let i = 0; i < nTerms; i++) {
      const id = order[i];
      next[id] = start[i];
      start[i + 1] = start[i] + st[4 * id + 2];
    }
    const chunks = [...this.chunks, { term: this.logTerm, doc: this.logDoc, tf: this.logTf, len: this.logPos }];
    const postings = new Uint32Array(2 * this.logLen);
    for (const c of chunks) {
      const { term: lt, doc: ld, tf: lf } = c;
      for (let p = 0; p < c.len; p++) {
        const q = 2 * next[lt[p]]++;
        postings[q] = ld[p];
        postings[q + 1] = lf[p];
      }
    }
    // The log is no longer needed: let it go before the segment is encoded.
    chunks.length = 0;
    this.chunks = [];
    this.logTerm = this.logDoc = this.logTf = new Uint32Array(0);
    this.logPos = 0;

    const minCount = 1;
    const eb: number[] = [];
    this.exactBigrams.forEach((a, b, c) => {
      if (c >= minCount) eb.push(rank[a], rank[b], c);
    });
    const exactCf: number[] = [];
    for (let i = 0; i < nTerms; i++) {
      const id = order[i];
      if (this.bigramA[id] < 0 && strs[id].charCodeAt(0) === 101 /* e */) exactCf.push(i, this.exactCounts[id]);
    }
    const deleted: number[] = [];
    if (this.deletedSeqs.size) for (let i = 0; i < this.seqs.length; i++) if (this.deletedSeqs.has(this.seqs[i])) deleted.push(i);

    const terms = this.termBytes(order);
    const data: SegmentData = {
      docCount: this.seqs.length,
      termBytes: terms.bytes,
      termOff: terms.off,
      postingsStart: start,
      postings,
      seqs: this.seqs,
      days: this.days,
      times: this.times,
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

/** Per-term state for `capacity` terms: (last document -1, tfs 0, document frequency 0, unused). */
function newTermState(capacity: number): Int32Array {
  const st = new Int32Array(4 * capacity);
  for (let i = 0; i < st.length; i += 4) st[i] = -1;
  return st;
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
