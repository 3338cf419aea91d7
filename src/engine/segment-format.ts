/**
 * The segment file: one immutable file per segment, read whole into a Buffer on open and used
 * in place through typed-array views (nothing is re-analysed or rebuilt on open).
 *
 * Layout (little-endian; every section starts at a multiple of 8):
 *   "TRASEG02"                         8-byte magic (format version in the last two characters)
 *   u32 n, JSON header of n bytes      {docCount, nTerms, sumLen[3], sources[], categories[],
 *                                       sections: {name: [offset, byteLength]}}
 *   seq       Uint32[docCount]         store sequence number of each document (ascending)
 *   day       Int32[docCount]          published day in Asia/Ho_Chi_Minh (NO_DAY if none)
 *   src, cat  Uint16[docCount] each    ordinal into header sources/categories (1-based; 0 none)
 *   len       Uint16[3 * docCount]     tokens per field, field-major (title, summary, text)
 *   termOff   Uint32[nTerms + 1]       byte offsets of each term in termBytes
 *   termBytes UTF-8                    terms sorted in JS string order (UTF-16 code units)
 *   postOff   Uint32[nTerms + 1]       byte offsets of each term's postings in postings
 *   postings  bytes                    see below
 *   exactCf   varints                  (term ordinal delta, collection frequency) of 'e' terms
 *   bigrams   varints                  (ordinal a, ordinal b, count) exact bigram counts
 *
 * Postings of one term: varint df; when df > BLOCK, a skip table with one entry per block of
 * BLOCK postings: (varint last doc delta, varint block byte length) — absent for the last block —
 * then 6 varints: per field (title, summary, text) the block's largest tf (capped at 255; 255
 * means "255 or more" and is treated as unbounded) and the shortest field length among its
 * documents having that field; then postings, each
 *   varint (doc - previous doc), previous starting at -1;
 *   one byte t = min(tf_title,3) | min(tf_summary,3) << 2 | min(tf_text,3) << 4,
 *   then for each field whose 2 bits are 3, varint (tf - 3).
 * The skip table lets a scorer jump over blocks (MaxScore's non-essential lists).
 */
import { ByteWriter } from './bytes.ts';
import { NFIELDS } from './fields.ts';

export const MAGIC = 'TRASEG02';
export const BLOCK = 128;

export interface SegmentData {
  docCount: number;
  terms: string[];
  /** Start of each term's postings in postingDocs/postingTfs (length nTerms + 1), sorted order. */
  postingsStart: Uint32Array;
  postingDocs: Uint32Array;
  /** Packed per-field tfs: 10 bits each (title, summary, text). */
  postingTfs: Uint32Array;
  seqs: ArrayLike<number>;
  days: ArrayLike<number>;
  src: ArrayLike<number>;
  cat: ArrayLike<number>;
  lens: ArrayLike<number>[];
  sources: string[];
  categories: string[];
  /** Flat triples (ordinal a, ordinal b, count). */
  exactBigrams: ArrayLike<number>;
  /** Flat pairs (ordinal, count), ascending ordinals. */
  exactCf: ArrayLike<number>;
}

export interface SegmentHeader {
  docCount: number;
  nTerms: number;
  sumLen: number[];
  sources: string[];
  categories: string[];
  sections: Record<string, [number, number]>;
}

function writePosting(w: ByteWriter, delta: number, packed: number): void {
  w.varint(delta);
  const a = packed & 1023;
  const b = (packed >>> 10) & 1023;
  const c = (packed >>> 20) & 1023;
  w.byte(Math.min(a, 3) | (Math.min(b, 3) << 2) | (Math.min(c, 3) << 4));
  if (a >= 3) w.varint(a - 3);
  if (b >= 3) w.varint(b - 3);
  if (c >= 3) w.varint(c - 3);
}

/**
 * Encode postings of docs[s,e) (ascending) with tfs into w. `lens` (field-major, n docs) gives
 * the block maxima of the skip table: per field the largest tf and the shortest field length in
 * the block, from which a query bounds any document's score in the block whatever the BM25F
 * parameters.
 */
export function encodePostings(w: ByteWriter, docs: ArrayLike<number>, tfs: ArrayLike<number>, s: number, e: number, tmp: ByteWriter, lens: Uint16Array, n: number): void {
  const df = e - s;
  w.varint(df);
  if (df <= BLOCK) {
    let prev = -1;
    for (let i = s; i < e; i++) {
      writePosting(w, docs[i] - prev, tfs[i]);
      prev = docs[i];
    }
    return;
  }
  tmp.pos = 0;
  const blens: number[] = [];
  const lasts: number[] = [];
  const maxima: number[] = [];
  let prev = -1;
  for (let bs = s; bs < e; bs += BLOCK) {
    const be = Math.min(e, bs + BLOCK);
    const p0 = tmp.pos;
    const mt = [0, 0, 0];
    const ml = [65535, 65535, 65535];
    for (let i = bs; i < be; i++) {
      const d = docs[i];
      writePosting(tmp, d - prev, tfs[i]);
      prev = d;
      const packed = tfs[i];
      for (let f = 0; f < 3; f++) {
        const tf = (packed >>> (10 * f)) & 1023;
        if (tf === 0) continue;
        if (tf > mt[f]) mt[f] = tf;
        const l = lens[f * n + d];
        if (l < ml[f]) ml[f] = l;
      }
    }
    blens.push(tmp.pos - p0);
    lasts.push(prev);
    for (let f = 0; f < 3; f++) maxima.push(Math.min(mt[f], 255), mt[f] ? ml[f] : 0);
  }
  let lastPrev = -1;
  for (let b = 0; b < blens.length; b++) {
    if (b < blens.length - 1) {
      w.varint(lasts[b] - lastPrev);
      w.varint(blens[b]);
      lastPrev = lasts[b];
    }
    for (let k = 0; k < 6; k++) w.varint(maxima[6 * b + k]);
  }
  w.bytes(tmp.result());
}

export function encodeSegment(d: SegmentData): Uint8Array {
  const n = d.docCount;
  const nTerms = d.terms.length;
  const sections: Record<string, [number, number]> = {};
  const body = new ByteWriter(1 << 20);
  const section = (name: string, write: () => void) => {
    body.align(8);
    const s = body.pos;
    write();
    sections[name] = [s, body.pos - s];
  };
  const typed = (a: ArrayBufferView) => body.bytes(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  section('seq', () => typed(Uint32Array.from(d.seqs)));
  section('day', () => typed(Int32Array.from(d.days)));
  section('src', () => typed(Uint16Array.from(d.src)));
  section('cat', () => typed(Uint16Array.from(d.cat)));
  const sumLen = [0, 0, 0];
  section('len', () => {
    const all = new Uint16Array(NFIELDS * n);
    for (let f = 0; f < NFIELDS; f++) {
      const l = d.lens[f];
      for (let i = 0; i < n; i++) {
        all[f * n + i] = l[i];
        sumLen[f] += l[i];
      }
    }
    typed(all);
  });
  // Terms: one UTF-8 encoding of all terms joined, with byte offsets.
  const joined = Buffer.from(d.terms.join(''), 'utf8');
  const termOff = new Uint32Array(nTerms + 1);
  {
    let off = 0;
    for (let i = 0; i < nTerms; i++) {
      termOff[i] = off;
      off += Buffer.byteLength(d.terms[i], 'utf8');
    }
    termOff[nTerms] = off;
  }
  section('termOff', () => typed(termOff));
  section('termBytes', () => body.bytes(joined));
  const postings = new ByteWriter(1 << 20);
  const tmp = new ByteWriter(1 << 12);
  const postOff = new Uint32Array(nTerms + 1);
  const allLens = new Uint16Array(NFIELDS * n);
  for (let f = 0; f < NFIELDS; f++) for (let i = 0; i < n; i++) allLens[f * n + i] = d.lens[f][i];
  for (let i = 0; i < nTerms; i++) {
    postOff[i] = postings.pos;
    encodePostings(postings, d.postingDocs, d.postingTfs, d.postingsStart[i], d.postingsStart[i + 1], tmp, allLens, n);
  }
  postOff[nTerms] = postings.pos;
  section('postOff', () => typed(postOff));
  section('postings', () => body.bytes(postings.result()));
  section('exactCf', () => {
    let prev = 0;
    for (let i = 0; i < d.exactCf.length; i += 2) {
      body.varint(d.exactCf[i] - prev);
      body.varint(d.exactCf[i + 1]);
      prev = d.exactCf[i];
    }
  });
  section('bigrams', () => {
    for (let i = 0; i < d.exactBigrams.length; i++) body.varint(d.exactBigrams[i]);
  });
  const header: SegmentHeader = { docCount: n, nTerms, sumLen, sources: d.sources, categories: d.categories, sections };
  const hjson = Buffer.from(JSON.stringify(header), 'utf8');
  const headLen = 8 + 4 + hjson.length;
  const pad = (8 - (headLen % 8)) % 8;
  const out = new Uint8Array(headLen + pad + body.pos);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(out.buffer).setUint32(8, hjson.length, true);
  out.set(hjson, 12);
  const base = headLen + pad;
  out.set(body.result(), base);
  // Section offsets in the header are relative to `base`; the reader adds it back.
  return out;
}
