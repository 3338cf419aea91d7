/**
 * Decoded postings of the lists queries keep asking for.
 *
 * The words of Vietnamese questions are mostly common syllables (là, của, người, có...) whose
 * lists hold tens of thousands of postings; every query containing them decodes the same
 * varints and looks up the same length norms again. A list read a second time is kept here
 * decoded: its document numbers (Int32Array) and each posting's BM25F pseudo-frequency tf~
 * (Float64Array, computed exactly as the scoring loops compute it, so a score is bit-for-bit the
 * same whether its list came from the cache or from the segment). Scoring from these arrays
 * costs less than half the time per posting.
 *
 * - Only lists of at least 2,048 postings (shorter ones are cheap to decode anyway), and only
 *   on their second use within the recent past, so one-off rare words do not push out hot ones.
 * - Least recently used out, within a byte budget per process (TRA_LIST_CACHE_MB, default 48;
 *   0 turns it off): 12 bytes per posting, so 48 MB holds about four million postings.
 * - Keyed by segment (segments are immutable) and by the norms in force (the collection's
 *   average lengths change when segments come or go, and with them every tf~).
 */
import type { Segment } from './segment.ts';

export interface DecodedList {
  docs: Int32Array;
  tfs: Float64Array;
}

let minDf = 2048;
let budget = Number(process.env.TRA_LIST_CACHE_MB ?? 48) * 1024 * 1024;
let used = 0;
const lists = new Map<string, DecodedList>();
/** Lists seen once (key → true), the candidates for the next use; bounded. */
const seen = new Map<string, true>();
const segIds = new WeakMap<Segment, number>();
let nextSegId = 1;

function keyOf(seg: Segment, ord: number, normsKey: string): string {
  let id = segIds.get(seg);
  if (id === undefined) {
    id = nextSegId++;
    segIds.set(seg, id);
  }
  return `${id}:${ord}:${normsKey}`;
}

/**
 * The decoded list if cached; otherwise undefined, and the list is decoded and kept when this
 * is its second use (`decode` is then called).
 */
export function cachedList(seg: Segment, ord: number, df: number, normsKey: string, decode: () => DecodedList): DecodedList | undefined {
  if (df < minDf || budget <= 0) return undefined;
  const key = keyOf(seg, ord, normsKey);
  const hit = lists.get(key);
  if (hit) {
    lists.delete(key);
    lists.set(key, hit);
    return hit;
  }
  const bytes = df * 12;
  if (bytes > budget / 4) return undefined;
  if (!seen.has(key)) {
    seen.set(key, true);
    if (seen.size > 65536) seen.delete(seen.keys().next().value as string);
    return undefined;
  }
  seen.delete(key);
  const d = decode();
  lists.set(key, d);
  used += bytes;
  while (used > budget && lists.size > 1) {
    const [k, v] = lists.entries().next().value as [string, DecodedList];
    lists.delete(k);
    used -= v.docs.length * 12;
  }
  return d;
}

/** Drop everything; optionally set a new budget in MB and smallest list kept (for tests). */
export function resetListCache(mb?: number, smallest?: number): void {
  lists.clear();
  seen.clear();
  used = 0;
  if (mb !== undefined) budget = mb * 1024 * 1024;
  if (smallest !== undefined) minDf = smallest;
}

export function listCacheStats(): { lists: number; bytes: number } {
  return { lists: lists.size, bytes: used };
}

/** The decoded list if it is cached (no bookkeeping: for reading its documents only). */
export function peekList(seg: Segment, ord: number, normsKey: string): DecodedList | undefined {
  return lists.get(keyOf(seg, ord, normsKey));
}
