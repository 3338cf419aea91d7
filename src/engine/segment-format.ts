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
 *   time      Float64[docCount]        published time, ms since the epoch (NaN if none); newest-first
 *                                      order reads it. Segments written before it existed lack it:
 *                                      the reader derives it from `day` (noon of that day)
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
  /** Terms in dictionary order, as strings; or `termBytes` (UTF-8 of all) with `termOff`. */
  terms?: string[];
  /** The terms' UTF-8 bytes one after another, and their byte offsets (nTerms + 1). */
  termBytes?: Uint8Array;
  termOff?: Uint32Array;
  /** Start of each term's postings in `postings`, in postings (nTerms + 1), sorted order. */
  postingsStart: Uint32Array;
  /** Postings as pairs: document, then packed per-field tfs (10 bits each: title, summary, text). */
  postings: Uint32Array;
  seqs: ArrayLike<number>;
  days: ArrayLike<number>;
  /** Publication times (ms since the epoch, NaN: undated or implausible). */
  times: ArrayLike<number>;
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

/** Write a varint below 2^32 at p; returns the position after it. */
function putVarint(buf: Uint8Array, p: number, v: number): number {
  while (v >= 0x80) {
    buf[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[p++] = v;
  return p;
}

/** One posting: varint doc delta, the byte of small tfs, a varint for each tf of 3 or more. */
function putPosting(buf: Uint8Array, p: number, delta: number, packed: number): number {
  p = putVarint(buf, p, delta);
  const a = packed & 1023;
  const b = (packed >>> 10) & 1023;
  const c = (packed >>> 20) & 1023;
  buf[p++] = (a < 3 ? a : 3) | ((b < 3 ? b : 3) << 2) | ((c < 3 ? c : 3) << 4);
  if (a >= 3) p = putVarint(buf, p, a - 3);
  if (b >= 3) p = putVarint(buf, p, b - 3);
  if (c >= 3) p = putVarint(buf, p, c - 3);
  return p;
}

/** Bytes a posting may take at most: doc delta (5), tf byte, three tfs below 1024 (2 each). */
const MAX_POSTING = 12;
/** Bytes a skip-table entry may take at most: delta (5), block length (3), 6 maxima (3 each). */
const MAX_SKIP = 26;

/** Block scratch of the skip table (reused across terms). */
let skipScratch = new Int32Array(8 * 64);

/**
 * Encode the postings post[2s, 2e) (documents ascending) into w. `lens` (field-major, n docs)
 * gives the block maxima of the skip table: per field the largest tf and the shortest field
 * length in the block, from which a query bounds any document's score in the block whatever
 * the BM25F parameters. `tmp` holds the postings of a long list while its skip table is made.
 */
export function encodePostings(w: ByteWriter, post: Uint32Array, s: number, e: number, tmp: ByteWriter, lens: Uint16Array, n: number): void {
  const df = e - s;
  if (df <= BLOCK) {
    w.ensure(5 + MAX_POSTING * df);
    const buf = w.buf;
    let p = putVarint(buf, w.pos, df);
    let prev = -1;
    for (let i = s; i < e; i++) {
      const d = post[2 * i];
      p = putPosting(buf, p, d - prev, post[2 * i + 1]);
      prev = d;
    }
    w.pos = p;
    return;
  }
  const nb = Math.ceil(df / BLOCK);
  tmp.pos = 0;
  tmp.ensure(MAX_POSTING * df);
  const tb = tmp.buf;
  // Per block: byte length, last document, then per field (largest tf, shortest length).
  if (skipScratch.length < 8 * nb) skipScratch = new Int32Array(8 * nb * 2);
  const sk = skipScratch;
  let tp = 0;
  let prev = -1;
  for (let b = 0; b < nb; b++) {
    const bs = s + b * BLOCK;
    const be = Math.min(e, bs + BLOCK);
    const p0 = tp;
    let mt0 = 0;
    let mt1 = 0;
    let mt2 = 0;
    let ml0 = 65535;
    let ml1 = 65535;
    let ml2 = 65535;
    for (let i = bs; i < be; i++) {
      const d = post[2 * i];
      const packed = post[2 * i + 1];
      tp = putPosting(tb, tp, d - prev, packed);
      prev = d;
      const t0 = packed & 1023;
      const t1 = (packed >>> 10) & 1023;
      const t2 = (packed >>> 20) & 1023;
      if (t0 !== 0) {
        if (t0 > mt0) mt0 = t0;
        const l = lens[d];
        if (l < ml0) ml0 = l;
      }
      if (t1 !== 0) {
        if (t1 > mt1) mt1 = t1;
        const l = lens[n + d];
        if (l < ml1) ml1 = l;
      }
      if (t2 !== 0) {
        if (t2 > mt2) mt2 = t2;
        const l = lens[2 * n + d];
        if (l < ml2) ml2 = l;
      }
    }
    const k = 8 * b;
    sk[k] = tp - p0;
    sk[k + 1] = prev;
    sk[k + 2] = mt0 < 255 ? mt0 : 255;
    sk[k + 3] = mt0 ? ml0 : 0;
    sk[k + 4] = mt1 < 255 ? mt1 : 255;
    sk[k + 5] = mt1 ? ml1 : 0;
    sk[k + 6] = mt2 < 255 ? mt2 : 255;
    sk[k + 7] = mt2 ? ml2 : 0;
  }
  w.ensure(5 + MAX_SKIP * nb + tp);
  const buf = w.buf;
  let p = putVarint(buf, w.pos, df);
  let lastPrev = -1;
  for (let b = 0; b < nb; b++) {
    const k = 8 * b;
    if (b < nb - 1) {
      p = putVarint(buf, p, sk[k + 1] - lastPrev);
      p = putVarint(buf, p, sk[k]);
      lastPrev = sk[k + 1];
    }
    for (let j = 2; j < 8; j++) p = putVarint(buf, p, sk[k + j]);
  }
  buf.set(tb.subarray(0, tp), p);
  w.pos = p + tp;
}

export function encodeSegment(d: SegmentData): Uint8Array {
  const n = d.docCount;
  const termOff = d.termOff ?? new Uint32Array(d.terms!.length + 1);
  const nTerms = termOff.length - 1;
  let termBytes = d.termBytes;
  if (!termBytes) {
    // Terms: one UTF-8 encoding of all terms joined, with byte offsets.
    const terms = d.terms!;
    termBytes = Buffer.from(terms.join(''), 'utf8');
    let off = 0;
    for (let i = 0; i < nTerms; i++) {
      termOff[i] = off;
      off += Buffer.byteLength(terms[i], 'utf8');
    }
    termOff[nTerms] = off;
  }
  const sections: Record<string, [number, number]> = {};
  // Sized for the usual ~3.5 bytes per posting, so it rarely has to grow.
  const body = new ByteWriter(16 * n + 8 * nTerms + termBytes.length + 4 * (d.postings.length >>> 1) + (1 << 16));
  const section = (name: string, write: () => void) => {
    body.align(8);
    const s = body.pos;
    write();
    sections[name] = [s, body.pos - s];
  };
  const typed = (a: ArrayBufferView) => body.bytes(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  section('seq', () => typed(Uint32Array.from(d.seqs)));
  section('day', () => typed(Int32Array.from(d.days)));
  section('time', () => typed(Float64Array.from(d.times)));
  section('src', () => typed(Uint16Array.from(d.src)));
  section('cat', () => typed(Uint16Array.from(d.cat)));
  const sumLen = [0, 0, 0];
  const allLens = new Uint16Array(NFIELDS * n);
  for (let f = 0; f < NFIELDS; f++) {
    const l = d.lens[f];
    for (let i = 0; i < n; i++) {
      allLens[f * n + i] = l[i];
      sumLen[f] += l[i];
    }
  }
  section('len', () => typed(allLens));
  section('termOff', () => typed(termOff));
  section('termBytes', () => body.bytes(termBytes));
  // postOff is written once the postings after it are: reserve its place.
  const postOff = new Uint32Array(nTerms + 1);
  let postOffAt = 0;
  section('postOff', () => {
    postOffAt = body.pos;
    body.ensure(postOff.byteLength);
    body.buf.fill(0, body.pos, body.pos + postOff.byteLength);
    body.pos += postOff.byteLength;
  });
  section('postings', () => {
    const base = body.pos;
    const tmp = new ByteWriter(1 << 12);
    const start = d.postingsStart;
    for (let i = 0; i < nTerms; i++) {
      postOff[i] = body.pos - base;
      encodePostings(body, d.postings, start[i], start[i + 1], tmp, allLens, n);
    }
    postOff[nTerms] = body.pos - base;
    // postOff holds 32-bit offsets: a larger postings section would be read back wrong. Merges
    // stay far below this (index.ts, maxSegmentBytes); refuse rather than write a broken file.
    if (body.pos - base > 0xffffffff) throw new RangeError(`segment postings of ${body.pos - base} bytes exceed the format's 4 GiB offsets`);
  });
  body.buf.set(new Uint8Array(postOff.buffer), postOffAt);
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
