/**
 * Compressed sparse rows of counts: for each row (a context), its column ids in ascending
 * order with their counts. Bigrams are rows of left syllable ids; trigrams are rows of bigram
 * positions. Searched by bisection; no hash table to build.
 *
 * On disk the three arrays are stored as raw little-endian typed arrays (ids in 16 bits while
 * the vocabulary fits, counts in 16 bits with the rare larger ones listed apart), so loading is
 * a few memory copies. Variable-length integers were a third smaller but had to be decoded one
 * by one, which cost tens of milliseconds at start-up before the JIT warmed up.
 */
import type { ByteReader, ByteWriter } from './varint.ts';

export interface Csr {
  /** Entries of row r are at positions offsets[r] .. offsets[r+1]-1. */
  offsets: Uint32Array;
  /** Column id of each entry, ascending within a row. */
  ids: Uint32Array | Uint16Array;
  counts: Float64Array;
  /** The pruning threshold (every count is at least this). */
  minCount: number;
  /**
   * Modified Kneser–Ney discounts for counts 1, 2 and 3+ (Chen & Goodman 1998), estimated from
   * the counts of counts before pruning: Y = n1/(n1 + 2·n2), D1 = 1 − 2Y·n2/n1,
   * D2 = 2 − 3Y·n3/n2, D3+ = 3 − 4Y·n4/n3.
   */
  discounts: [number, number, number];
}

/** The usual single discount, for tables too small to estimate three. */
const FALLBACK_DISCOUNTS: [number, number, number] = [0.75, 0.75, 0.75];

export function estimateDiscounts(counts: Map<number, number>): [number, number, number] {
  const n = [0, 0, 0, 0, 0];
  for (const c of counts.values()) if (c >= 1 && c <= 4 && Number.isInteger(c)) n[c]++;
  if (n[1] === 0 || n[2] === 0 || n[3] === 0 || n[4] === 0) return FALLBACK_DISCOUNTS;
  const y = n[1] / (n[1] + 2 * n[2]);
  const clamp = (d: number, hi: number): number => Math.min(Math.max(d, 0.05), hi);
  return [clamp(1 - 2 * y * (n[2] / n[1]), 1), clamp(2 - 3 * y * (n[3] / n[2]), 2), clamp(3 - 4 * y * (n[4] / n[3]), 3)];
}

/** Position of column `id` in row `row`, or -1. */
export function csrFind(c: Csr, row: number, id: number): number {
  let lo = c.offsets[row];
  let hi = c.offsets[row + 1] - 1;
  const ids = c.ids;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = ids[mid];
    if (x === id) return mid;
    if (x < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Build from (row × width + id) keys with counts, keeping those at or above `minCount`.
 * `width` must exceed every id.
 */
export function csrFromCounts(rows: number, width: number, counts: Map<number, number>, minCount: number): Csr {
  let n = 0;
  for (const c of counts.values()) if (c >= minCount) n++;
  const keys = new Float64Array(n);
  let at = 0;
  for (const [k, c] of counts) if (c >= minCount) keys[at++] = k;
  keys.sort(); // a typed array sorts numerically, natively

  const offsets = new Uint32Array(rows + 1);
  // 16-bit ids while the vocabulary fits (it does for Vietnamese syllables): half the memory.
  const ids = width <= 0x10000 ? new Uint16Array(keys.length) : new Uint32Array(keys.length);
  const cs = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const r = Math.floor(keys[i] / width);
    ids[i] = keys[i] - r * width;
    cs[i] = counts.get(keys[i]) ?? 0;
    offsets[r + 1]++;
  }
  for (let r = 0; r < rows; r++) offsets[r + 1] += offsets[r];
  return { offsets, ids, counts: cs, minCount, discounts: estimateDiscounts(counts) };
}

/** The smallest count threshold that keeps at most `budget` entries. */
export function thresholdForBudget(counts: Map<number, number>, budget: number): number {
  if (counts.size <= budget) return 1;
  // Histogram of counts (capped): entries kept at threshold t = entries with count >= t.
  const CAP = 1024;
  const hist = new Float64Array(CAP + 1);
  for (const c of counts.values()) hist[Math.min(Math.floor(c), CAP)]++;
  let kept = counts.size;
  for (let t = 1; t < CAP; t++) {
    if (kept <= budget) return t;
    kept -= hist[t];
  }
  return CAP;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const ESCAPE = 0xffff;

/**
 * Format: minCount, the three discounts × 10⁶, entries N, id width (2 or 4 bytes) as varints;
 * offsets (rows + 1) × u32;
 * ids N × u16/u32; counts N × u16 (0xffff: see the overflow list); overflow list: n, then
 * n × (entry, count) varints.
 */
export function encodeCsr(w: ByteWriter, c: Csr, width: number): void {
  if (!LITTLE_ENDIAN) throw new Error('accent model: big-endian machines are not supported');
  const n = c.ids.length;
  const wide = width > 0x10000;
  w.uint(c.minCount);
  for (const d of c.discounts) w.uint(Math.round(d * 1e6));
  w.uint(n);
  w.uint(wide ? 4 : 2);
  w.bytes(new Uint8Array(Uint32Array.from(c.offsets).buffer));
  w.bytes(new Uint8Array((wide ? Uint32Array.from(c.ids) : Uint16Array.from(c.ids)).buffer));
  const small = new Uint16Array(n);
  const overflow: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = c.counts[i];
    if (v < ESCAPE && Number.isInteger(v)) small[i] = v;
    else {
      small[i] = ESCAPE;
      overflow.push(i, v);
    }
  }
  w.bytes(new Uint8Array(small.buffer));
  w.uint(overflow.length / 2);
  for (const x of overflow) w.uint(Math.round(x));
}

function copyBytes(view: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(view.length);
  out.set(view);
  return out.buffer;
}

/** Read a table of `rows` rows. */
export function decodeCsr(r: ByteReader, rows: number): Csr {
  if (!LITTLE_ENDIAN) throw new Error('accent model: big-endian machines are not supported');
  const minCount = r.uint();
  const discounts: [number, number, number] = [r.uint() / 1e6, r.uint() / 1e6, r.uint() / 1e6];
  const n = r.uint();
  const idBytes = r.uint();
  if (idBytes !== 2 && idBytes !== 4) throw new Error('accent model: bad id width');
  // Each section is copied into a fresh, aligned buffer that a typed array can view. (Not with
  // slice(): on a Node Buffer, as readFileSync returns, slice() is a view, not a copy.)
  const offsets = new Uint32Array(copyBytes(r.take(4 * (rows + 1))));
  const idRaw = copyBytes(r.take(idBytes * n));
  const ids = idBytes === 4 ? new Uint32Array(idRaw) : new Uint16Array(idRaw);
  const counts = new Float64Array(new Uint16Array(copyBytes(r.take(2 * n))));
  const overflow = r.uint();
  for (let k = 0; k < overflow; k++) {
    const i = r.uint();
    if (i >= n) throw new Error('accent model: count index out of range');
    counts[i] = r.uint();
  }
  // Cheap structural checks: offsets must end at n; a corrupt file fails here, not later.
  if (offsets[0] !== 0 || offsets[rows] !== n) throw new Error('accent model: inconsistent table');
  return { offsets, ids, counts, minCount, discounts };
}
