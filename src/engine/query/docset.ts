/**
 * Sets of documents of one segment: ascending Int32Arrays of local document numbers, read
 * straight from the postings (no scores, no norms). The boolean half of query execution: what
 * matches, as opposed to how well (src/engine/scoring.ts).
 */
import type { Segment } from '../segment.ts';
import { BLOCK } from '../segment-format.ts';
import { readVarint } from '../bytes.ts';
import { blockLayout, postingsStart } from '../scoring.ts';

export type DocSet = Int32Array;

export const EMPTY: DocSet = new Int32Array(0);

/** Skip one posting's tf byte and escapes; returns the new position. */
function skipTfs(p: Uint8Array, pos: number): number {
  const t = p[pos++];
  if ((t & 3) === 3) while (p[pos++] & 0x80);
  if (((t >> 2) & 3) === 3) while (p[pos++] & 0x80);
  if (((t >> 4) & 3) === 3) while (p[pos++] & 0x80);
  return pos;
}

/** Every document of the list at `ord`. */
export function decodeDocs(seg: Segment, ord: number): DocSet {
  const p = seg.postings;
  const [df, start] = postingsStart(p, seg.postOff[ord]);
  let pos = start;
  const out = new Int32Array(df);
  let doc = -1;
  for (let i = 0; i < df; i++) {
    let b = p[pos++];
    let delta = b & 0x7f;
    let shift = 128;
    while (b & 0x80) {
      b = p[pos++];
      delta += (b & 0x7f) * shift;
      shift *= 128;
    }
    doc += delta;
    out[i] = doc;
    pos = skipTfs(p, pos);
  }
  return out;
}

/**
 * The documents of `within` (ascending) that the list at `ord` holds, decoding only the blocks
 * that can contain them (the skip table's last-document entries): a rare word intersected with
 * a common one costs a few block decodes, not the common word's whole list.
 */
export function filterByList(seg: Segment, ord: number, within: DocSet): DocSet {
  if (within.length === 0) return EMPTY;
  const p = seg.postings;
  const { df, lastDoc, blockStart } = blockLayout(seg, ord);
  const nb = lastDoc.length;
  const out = new Int32Array(Math.min(within.length, df));
  let n = 0;
  let b = 0;
  let ci = 0;
  const at = [0];
  while (ci < within.length && b < nb) {
    const c = within[ci];
    while (b < nb && lastDoc[b] < c) b++;
    if (b >= nb) break;
    at[0] = blockStart[b];
    let doc = b === 0 ? -1 : lastDoc[b - 1];
    const count = b === nb - 1 ? df - b * BLOCK : BLOCK;
    for (let i = 0; i < count && ci < within.length; i++) {
      doc += readVarint(p, at[0], at);
      at[0] = skipTfs(p, at[0]);
      while (ci < within.length && within[ci] < doc) ci++;
      if (ci < within.length && within[ci] === doc) {
        out[n++] = doc;
        ci++;
      }
    }
    b++;
  }
  return out.subarray(0, n);
}

/** a ∩ b (both ascending): a linear merge for sets of similar size, else galloping through the longer. */
export function intersect(a: DocSet, b: DocSet): DocSet {
  if (a.length > b.length) [a, b] = [b, a];
  const out = new Int32Array(a.length);
  let n = 0;
  if (a.length * 8 >= b.length) {
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const x = a[i];
      const y = b[j];
      if (x === y) {
        out[n++] = x;
        i++;
        j++;
      } else if (x < y) i++;
      else j++;
    }
    return out.subarray(0, n);
  }
  let j = 0;
  for (let i = 0; i < a.length && j < b.length; i++) {
    const x = a[i];
    if (b[j] < x) {
      let step = 1;
      let hi = j + 1;
      while (hi < b.length && b[hi] < x) {
        j = hi;
        step *= 2;
        hi = j + step;
      }
      if (hi > b.length) hi = b.length;
      let lo = j + 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (b[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      j = lo;
    }
    if (j < b.length && b[j] === x) out[n++] = x;
  }
  return out.subarray(0, n);
}

/** a ∪ b (both ascending). */
export function union(a: DocSet, b: DocSet): DocSet {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Int32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x < y) {
      out[n++] = x;
      i++;
    } else if (y < x) {
      out[n++] = y;
      j++;
    } else {
      out[n++] = x;
      i++;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++];
  while (j < b.length) out[n++] = b[j++];
  return out.subarray(0, n);
}

/** a \ b (both ascending). */
export function difference(a: DocSet, b: DocSet): DocSet {
  if (b.length === 0 || a.length === 0) return a;
  const out = new Int32Array(a.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    while (j < b.length && b[j] < x) j++;
    if (j < b.length && b[j] === x) continue;
    out[n++] = x;
  }
  return out.subarray(0, n);
}
