/**
 * Merging segments: adjacent segments become one, documents in seq order, deleted ones dropped.
 * Postings are decoded and re-encoded with renumbered documents; term dictionaries are merged
 * k-way (each is sorted); collection counts for accent restoration are summed. Nothing is
 * re-analysed, so a merge costs a fraction of indexing.
 */
import type { Segment } from './segment.ts';
import { encodeSegment } from './segment-format.ts';
import { postingsStart } from './scoring.ts';
import { NFIELDS } from './fields.ts';
import { readVarint } from './bytes.ts';

const PAIR = 4194304;

class U32List {
  a = new Uint32Array(1 << 16);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

/** Decode varint pairs/triples of a counts section. */
function varints(bytes: Uint8Array): number[] {
  const out: number[] = [];
  const o = new Int32Array(1);
  let pos = 0;
  while (pos < bytes.length) {
    out.push(readVarint(bytes, pos, o));
    pos = o[0];
  }
  return out;
}

export function mergeSegments(parts: Segment[]): Uint8Array {
  // 1. Renumber live documents; copy their columns.
  const remap: Int32Array[] = [];
  const seqs: number[] = [];
  const days: number[] = [];
  const times: number[] = [];
  const src: number[] = [];
  const cat: number[] = [];
  const lens: number[][] = [[], [], []];
  const sources = new Map<string, number>();
  const categories = new Map<string, number>();
  const ordOf = (map: Map<string, number>, name: string | undefined): number => {
    if (name === undefined) return 0;
    let o = map.get(name);
    if (o === undefined) {
      o = map.size + 1;
      if (o > 65535) return 0;
      map.set(name, o);
    }
    return o;
  };
  // Segments of one bulk load interleave their seqs: live documents are put in seq order.
  const live: number[] = [];
  for (let pi = 0; pi < parts.length; pi++) {
    const seg = parts[pi];
    remap.push(new Int32Array(seg.docCount).fill(-1));
    for (let d = 0; d < seg.docCount; d++) if (!seg.isDeleted(d)) live.push(seg.seq[d] * 64 + pi);
  }
  live.sort((a, b) => a - b);
  const cursor = new Array<number>(parts.length).fill(0);
  for (const key of live) {
    const pi = key % 64;
    const seg = parts[pi];
    const n = seg.docCount;
    let d = cursor[pi];
    while (seg.isDeleted(d)) d++;
    cursor[pi] = d + 1;
    remap[pi][d] = seqs.length;
    seqs.push(seg.seq[d]);
    days.push(seg.day[d]);
    times.push(seg.time[d]);
    src.push(seg.src[d] ? ordOf(sources, seg.header.sources[seg.src[d] - 1]) : 0);
    cat.push(seg.cat[d] ? ordOf(categories, seg.header.categories[seg.cat[d] - 1]) : 0);
    for (let f = 0; f < NFIELDS; f++) lens[f].push(seg.len[f * n + d]);
  }
  // 2. k-way merge of the dictionaries, postings renumbered.
  const k = parts.length;
  const pos = new Array<number>(k).fill(0);
  const head: (string | undefined)[] = parts.map((s) => (s.nTerms > 0 ? s.term(0) : undefined));
  const newOrd: Int32Array[] = parts.map((s) => new Int32Array(s.nTerms).fill(-1));
  const terms: string[] = [];
  const starts = new U32List();
  const docs = new U32List();
  const tfs = new U32List();
  const o = new Int32Array(1);
  for (;;) {
    let min: string | undefined;
    for (let i = 0; i < k; i++) {
      const h = head[i];
      if (h !== undefined && (min === undefined || h < min)) min = h;
    }
    if (min === undefined) break;
    const before = docs.n;
    for (let i = 0; i < k; i++) {
      if (head[i] !== min) continue;
      const seg = parts[i];
      const ord = pos[i];
      const p = seg.postings;
      const [df, start] = postingsStart(p, seg.postOff[ord]);
      let q = start;
      let doc = -1;
      const r = remap[i];
      for (let j = 0; j < df; j++) {
        doc += readVarint(p, q, o);
        q = o[0];
        const t = p[q++];
        let t0 = t & 3;
        let t1 = (t >> 2) & 3;
        let t2 = (t >> 4) & 3;
        if (t0 === 3) {
          t0 += readVarint(p, q, o);
          q = o[0];
        }
        if (t1 === 3) {
          t1 += readVarint(p, q, o);
          q = o[0];
        }
        if (t2 === 3) {
          t2 += readVarint(p, q, o);
          q = o[0];
        }
        const nd = r[doc];
        if (nd < 0) continue;
        docs.push(nd);
        tfs.push(Math.min(t0, 1023) | (Math.min(t1, 1023) << 10) | (Math.min(t2, 1023) << 20));
      }
      newOrd[i][ord] = docs.n > before || min[0] === 'e' ? terms.length : -1;
      pos[i]++;
      head[i] = pos[i] < seg.nTerms ? seg.term(pos[i]) : undefined;
    }
    // Interleaved parts: restore ascending doc order within the term (doc, tf pairs together).
    let sorted = true;
    for (let x = before + 1; x < docs.n; x++) if (docs.a[x] < docs.a[x - 1]) sorted = false;
    if (!sorted) {
      const pairs = new Float64Array(docs.n - before);
      for (let x = before; x < docs.n; x++) pairs[x - before] = docs.a[x] * 1073741824 + tfs.a[x];
      pairs.sort();
      for (let x = before; x < docs.n; x++) {
        const v = pairs[x - before];
        const d = Math.floor(v / 1073741824);
        docs.a[x] = d;
        tfs.a[x] = v - d * 1073741824;
      }
    }
    // Terms with no live postings disappear, except exact words (their counts feed restoration).
    if (docs.n > before || min[0] === 'e') {
      starts.push(before);
      terms.push(min);
    }
  }
  starts.push(docs.n);
  // 3. Collection counts for accent restoration, summed.
  const cf = new Map<number, number>();
  const bigrams = new Map<number, number>();
  for (let i = 0; i < k; i++) {
    const seg = parts[i];
    const ec = varints(seg.section('exactCf'));
    let prev = 0;
    for (let j = 0; j < ec.length; j += 2) {
      const ord = prev + ec[j];
      prev = ord;
      const no = newOrd[i][ord];
      if (no >= 0) cf.set(no, (cf.get(no) ?? 0) + ec[j + 1]);
    }
    const bg = varints(seg.section('bigrams'));
    for (let j = 0; j + 2 < bg.length; j += 3) {
      const a = newOrd[i][bg[j]];
      const b = newOrd[i][bg[j + 1]];
      if (a < 0 || b < 0) continue;
      const key = a * PAIR + b;
      bigrams.set(key, (bigrams.get(key) ?? 0) + bg[j + 2]);
    }
  }
  const exactCf: number[] = [];
  for (const ord of [...cf.keys()].sort((a, b) => a - b)) exactCf.push(ord, cf.get(ord)!);
  const eb: number[] = [];
  for (const [key, c] of bigrams) {
    const a = Math.floor(key / PAIR);
    eb.push(a, key - a * PAIR, c);
  }
  const postings = new Uint32Array(2 * docs.n);
  for (let x = 0; x < docs.n; x++) {
    postings[2 * x] = docs.a[x];
    postings[2 * x + 1] = tfs.a[x];
  }
  return encodeSegment({
    docCount: seqs.length,
    terms,
    postingsStart: starts.a.subarray(0, starts.n),
    postings,
    seqs,
    days,
    times,
    src,
    cat,
    lens,
    sources: [...sources.keys()],
    categories: [...categories.keys()],
    exactBigrams: eb,
    exactCf,
  });
}
