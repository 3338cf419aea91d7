/**
 * Compressed sparse rows of counts: for each row (a context), its column ids in ascending
 * order with their counts. Bigrams are rows of left syllable ids; trigrams are rows of bigram
 * positions. Compact on disk (deltas of sorted ids are small varints), loaded into three typed
 * arrays with no hash table to build, and searched by bisection.
 */
import type { ByteReader, ByteWriter } from './varint.ts';

export interface Csr {
  /** Entries of row r are at positions offsets[r] .. offsets[r+1]-1. */
  offsets: Uint32Array;
  /** Column id of each entry, ascending within a row. */
  ids: Uint32Array;
  counts: Float64Array;
  /** The pruning threshold (every count is at least this; stored as count − minCount). */
  minCount: number;
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
  const keys: number[] = [];
  for (const [k, c] of counts) if (c >= minCount) keys.push(k);
  keys.sort((a, b) => a - b);
  const offsets = new Uint32Array(rows + 1);
  const ids = new Uint32Array(keys.length);
  const cs = new Float64Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const r = Math.floor(keys[i] / width);
    ids[i] = keys[i] - r * width;
    cs[i] = counts.get(keys[i]) ?? 0;
    offsets[r + 1]++;
  }
  for (let r = 0; r < rows; r++) offsets[r + 1] += offsets[r];
  return { offsets, ids, counts: cs, minCount };
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

/** Format: minCount, total entries, then per row: n, n × (id delta, count − minCount). */
export function encodeCsr(w: ByteWriter, c: Csr): void {
  const rows = c.offsets.length - 1;
  w.uint(c.minCount);
  w.uint(c.ids.length);
  for (let r = 0; r < rows; r++) {
    const a = c.offsets[r];
    const b = c.offsets[r + 1];
    w.uint(b - a);
    let prev = 0;
    for (let i = a; i < b; i++) {
      w.uint(c.ids[i] - prev);
      prev = c.ids[i];
      w.uint(c.counts[i] - c.minCount);
    }
  }
}

/** Read a table of `rows` rows whose ids are below `width`. */
export function decodeCsr(r: ByteReader, rows: number, width: number): Csr {
  const minCount = r.uint();
  const total = r.uint();
  const offsets = new Uint32Array(rows + 1);
  const ids = new Uint32Array(total);
  const counts = new Float64Array(total);
  // This is most of the file: one tight loop with the varint reading inlined (several times
  // faster than a method call per number on a cold start).
  const bytes = r.bytes;
  const n = bytes.length;
  let pos = r.pos;
  let p = 0;
  const next = (): number => {
    let v = 0;
    let scale = 1;
    for (;;) {
      if (pos >= n) throw new RangeError('accent model: unexpected end of data');
      const b = bytes[pos++];
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
  };
  for (let row = 0; row < rows; row++) {
    const k = next();
    if (p + k > total) throw new Error('accent model: more entries than declared');
    let prev = 0;
    for (let j = 0; j < k; j++) {
      prev += next();
      if (prev >= width) throw new Error('accent model: id out of range');
      ids[p] = prev;
      counts[p++] = next() + minCount;
    }
    offsets[row + 1] = p;
  }
  r.pos = pos;
  if (p !== total) throw new Error('accent model: fewer entries than declared');
  return { offsets, ids, counts, minCount };
}
