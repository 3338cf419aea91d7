/**
 * One day's term counts as a compact byte string, the unit the observatory stores per day
 * (./counts.ts): the (term id, documents) pairs of the day sorted by id, each written as the gap
 * from the previous id and the count, both as unsigned LEB128 varints. A day of a national news
 * year holds ~10,000 pairs, mostly small gaps and counts of 1, so a pair takes ~2 bytes: a year is
 * a few megabytes, where a row per (day, term) with its index took ~85 MB.
 *
 * The same coding serves sorted lists of store rows (the `seq`s counted on a day).
 */

/** A day's pairs, decoded: ids ascending, `n[i]` documents mentioning `ids[i]`. */
export interface DayTerms {
  ids: Int32Array;
  n: Int32Array;
}

export const EMPTY_DAY: DayTerms = { ids: new Int32Array(0), n: new Int32Array(0) };

function writeVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** Read a varint at `pos.i`, advancing it. Throws on a truncated or over-long value. */
function readVarint(b: Uint8Array, pos: { i: number }): number {
  let v = 0;
  let mul = 1;
  for (let k = 0; k < 8; k++) {
    if (pos.i >= b.length) throw new Error('day-terms: truncated varint');
    const x = b[pos.i++];
    v += (x & 0x7f) * mul;
    if (x < 0x80) return v;
    mul *= 128;
  }
  throw new Error('day-terms: varint too long');
}

/** Encode pairs given sorted by id (ascending, distinct). */
export function encodeDay(d: DayTerms): Uint8Array {
  const out: number[] = [];
  writeVarint(out, d.ids.length);
  let prev = -1;
  for (let i = 0; i < d.ids.length; i++) {
    writeVarint(out, d.ids[i] - prev - 1);
    writeVarint(out, d.n[i]);
    prev = d.ids[i];
  }
  return Uint8Array.from(out);
}

export function decodeDay(b: Uint8Array | null | undefined): DayTerms {
  if (!b || b.length === 0) return EMPTY_DAY;
  const pos = { i: 0 };
  const len = readVarint(b, pos);
  const ids = new Int32Array(len);
  const n = new Int32Array(len);
  let prev = -1;
  for (let i = 0; i < len; i++) {
    prev = prev + 1 + readVarint(b, pos);
    ids[i] = prev;
    n[i] = readVarint(b, pos);
  }
  return { ids, n };
}

/** A day's count would fall below 0 (a subtraction of documents it never counted). */
export class NegativeCount extends RangeError {
  readonly id: number;
  readonly count: number;
  constructor(id: number, count: number) {
    super(`term ${id}: ${count} documents`);
    this.id = id;
    this.count = count;
  }
}

/**
 * `base` plus the counts of `add` (id → ± documents), as a new sorted day: pairs that reach 0
 * are dropped, one that would fall below 0 throws NegativeCount. One machine only adds; the
 * cluster's writer (src/cluster/observe/write.ts) adds and takes out.
 */
export function mergeDay(base: DayTerms, add: ReadonlyMap<number, number>): DayTerms {
  const extra = [...add.keys()].sort((a, b) => a - b);
  const ids = new Int32Array(base.ids.length + extra.length);
  const n = new Int32Array(ids.length);
  let i = 0;
  let j = 0;
  let k = 0;
  const put = (id: number, v: number) => {
    if (v < 0) throw new NegativeCount(id, v);
    if (v === 0) return;
    ids[k] = id;
    n[k++] = v;
  };
  while (i < base.ids.length || j < extra.length) {
    if (j >= extra.length || (i < base.ids.length && base.ids[i] < extra[j])) {
      put(base.ids[i], base.n[i]);
      i++;
    } else if (i >= base.ids.length || extra[j] < base.ids[i]) {
      put(extra[j], add.get(extra[j])!);
      j++;
    } else {
      put(base.ids[i], base.n[i] + add.get(extra[j])!);
      i++;
      j++;
    }
  }
  return { ids: ids.subarray(0, k), n: n.subarray(0, k) };
}

/** Documents mentioning term `id` on a decoded day (binary search), 0 when absent. */
export function countOf(d: DayTerms, id: number): number {
  let lo = 0;
  let hi = d.ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = d.ids[mid];
    if (v === id) return d.n[mid];
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** A sorted list of distinct non-negative integers (store rows) as gap varints. */
export function encodeSorted(xs: readonly number[]): Uint8Array {
  const out: number[] = [];
  writeVarint(out, xs.length);
  let prev = -1;
  for (const x of xs) {
    writeVarint(out, x - prev - 1);
    prev = x;
  }
  return Uint8Array.from(out);
}

export function decodeSorted(b: Uint8Array | null | undefined): number[] {
  if (!b || b.length === 0) return [];
  const pos = { i: 0 };
  const len = readVarint(b, pos);
  const out = new Array<number>(len);
  let prev = -1;
  for (let i = 0; i < len; i++) {
    prev = prev + 1 + readVarint(b, pos);
    out[i] = prev;
  }
  return out;
}
