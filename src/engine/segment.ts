/**
 * A segment opened for reading: typed-array views over the file's bytes (format in
 * ./segment-format.ts), plus its current deletion bitmap.
 */
import { compareStrUtf8, readVarint } from './bytes.ts';

/** Scratch out-parameter for readVarint (single-threaded use only). */
const dfPos = new Int32Array(1);
import { MAGIC, BLOCK, type SegmentHeader } from './segment-format.ts';
import { NFIELDS, NO_DAY } from './fields.ts';
import { EngineError } from './errors.ts';

export class Segment {
  readonly name: string;
  readonly header: SegmentHeader;
  readonly docCount: number;
  readonly nTerms: number;
  readonly seq: Uint32Array;
  readonly day: Int32Array;
  /** Publication time (ms since the epoch; NaN: undated or implausible). */
  readonly time: Float64Array;
  readonly src: Uint16Array;
  readonly cat: Uint16Array;
  readonly len: Uint16Array;
  readonly termOff: Uint32Array;
  readonly termBytes: Uint8Array;
  readonly postOff: Uint32Array;
  readonly postings: Uint8Array;
  readonly bytes: Uint8Array;
  /** Deletion bitmap (1 bit per doc), or undefined when nothing is deleted. */
  deleted: Uint8Array | undefined;
  deletedCount = 0;
  /** Per-field length normalisation cache (depends on the global average lengths). */
  normCache: { key: string; norms: Float32Array[]; packed?: Float32Array } | undefined;

  constructor(name: string, bytes: Uint8Array) {
    this.name = name;
    this.bytes = bytes;
    if (bytes.length < 12 || Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1') !== MAGIC) {
      throw new EngineError(`segment ${name}: không phải tệp phân đoạn Tra phiên bản này (not a Tra segment file of this version)`);
    }
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const hlen = dv.getUint32(8, true);
    this.header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 12, hlen).toString('utf8')) as SegmentHeader;
    const headLen = 12 + hlen;
    const base = headLen + ((8 - (headLen % 8)) % 8);
    // Typed-array views need aligned offsets; copy once if the buffer itself is not aligned.
    let buf = bytes;
    if ((bytes.byteOffset + base) % 8 !== 0) {
      buf = new Uint8Array(bytes.length);
      buf.set(bytes);
    }
    const sec = (name: string): [number, number] => {
      const s = this.header.sections[name];
      if (!s) throw new Error(`segment ${this.name}: missing section ${name}`);
      return [buf.byteOffset + base + s[0], s[1]];
    };
    const ab = buf.buffer;
    const view = <T>(name: string, C: { new (b: ArrayBufferLike, o: number, l: number): T; BYTES_PER_ELEMENT: number }): T => {
      const [o, l] = sec(name);
      return new C(ab, o, l / C.BYTES_PER_ELEMENT);
    };
    this.docCount = this.header.docCount;
    this.nTerms = this.header.nTerms;
    this.seq = view('seq', Uint32Array);
    this.day = view('day', Int32Array);
    if (this.header.sections.time) this.time = view('time', Float64Array);
    else {
      // Written before the time column: noon (Vietnam time) of the document's day.
      this.time = new Float64Array(this.docCount);
      for (let d = 0; d < this.docCount; d++) this.time[d] = this.day[d] === NO_DAY ? NaN : this.day[d] * 86400000 + 5 * 3600000;
    }
    this.src = view('src', Uint16Array);
    this.cat = view('cat', Uint16Array);
    this.len = view('len', Uint16Array);
    this.termOff = view('termOff', Uint32Array);
    this.termBytes = view('termBytes', Uint8Array);
    this.postOff = view('postOff', Uint32Array);
    this.postings = view('postings', Uint8Array);
  }

  section(name: string): Uint8Array {
    const s = this.header.sections[name];
    const headLen = 12 + new DataView(this.bytes.buffer, this.bytes.byteOffset).getUint32(8, true);
    const base = headLen + ((8 - (headLen % 8)) % 8);
    return this.bytes.subarray(base + s[0], base + s[0] + s[1]);
  }

  /** Ordinal of `term` in the dictionary, or -1. */
  lookup(term: string): number {
    let lo = 0;
    let hi = this.nTerms - 1;
    const off = this.termOff;
    const tb = this.termBytes;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareStrUtf8(term, tb, off[mid], off[mid + 1]);
      if (c === 0) return mid;
      if (c > 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** First ordinal whose term is >= `term` (for prefix ranges). */
  lowerBound(term: string): number {
    let lo = 0;
    let hi = this.nTerms;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareStrUtf8(term, this.termBytes, this.termOff[mid], this.termOff[mid + 1]) > 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  term(ord: number): string {
    return Buffer.from(this.termBytes.buffer, this.termBytes.byteOffset + this.termOff[ord], this.termOff[ord + 1] - this.termOff[ord]).toString('utf8');
  }

  /** Document frequency of the term at `ord`. */
  df(ord: number): number {
    return readVarint(this.postings, this.postOff[ord], dfPos);
  }

  isDeleted(doc: number): boolean {
    const d = this.deleted;
    return d !== undefined && (d[doc >> 3] & (1 << (doc & 7))) !== 0;
  }

  /** Local doc number of store sequence `seq`, or -1. */
  docOfSeq(seq: number): number {
    const a = this.seq;
    let lo = 0;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const x = a[mid];
      if (x === seq) return mid;
      if (x < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  get liveCount(): number {
    return this.docCount - this.deletedCount;
  }

  /** Sum of field lengths over all docs (deleted included: they stay in the statistics until merged). */
  sumLen(f: number): number {
    return this.header.sumLen[f];
  }

  /** Per-field length normalisation 1 / (1 - b + b * (len / avg)^e), cached per parameter set. */
  norms(avg: number[], b: number[], lenExp = 1): Float32Array[] {
    const key = avg.join(',') + '|' + b.join(',') + '|' + lenExp;
    if (this.normCache && this.normCache.key === key) return this.normCache.norms;
    const n = this.docCount;
    const norms: Float32Array[] = [];
    for (let f = 0; f < NFIELDS; f++) {
      const arr = new Float32Array(n);
      const a = avg[f] || 1;
      const bf = b[f];
      if (lenExp === 1) for (let i = 0; i < n; i++) arr[i] = 1 / (1 - bf + (bf * this.len[f * n + i]) / a);
      else if (lenExp === 0.5) for (let i = 0; i < n; i++) arr[i] = 1 / (1 - bf + bf * Math.sqrt(this.len[f * n + i] / a));
      else for (let i = 0; i < n; i++) arr[i] = 1 / (1 - bf + bf * Math.pow(this.len[f * n + i] / a, lenExp));
      norms.push(arr);
    }
    this.normCache = { key, norms };
    return norms;
  }

  /**
   * The same norms interleaved, four floats per document (title, summary, text, unused): the
   * scoring loops read a document's three norms from one cache line instead of three arrays.
   */
  packedNorms(avg: number[], b: number[], lenExp = 1): Float32Array {
    const norms = this.norms(avg, b, lenExp);
    const c = this.normCache!;
    if (c.packed) return c.packed;
    const n = this.docCount;
    const packed = new Float32Array(4 * n);
    for (let f = 0; f < NFIELDS; f++) {
      const a = norms[f];
      for (let i = 0; i < n; i++) packed[4 * i + f] = a[i];
    }
    c.packed = packed;
    return packed;
  }
}

export { BLOCK };
