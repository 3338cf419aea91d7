/**
 * Recent answers of one search worker, so that a query asked again (a popular word, the next
 * visitor with the same question, the same page reloaded) costs a map lookup instead of a search.
 *
 * - Keyed by the whole request (query, filters, sort, page, options), least recently used out.
 * - Emptied whenever the worker's engine picks up a new index view (fresh.ts): an answer is
 *   never older than the view that serves the other requests.
 * - `took_ms` of a cached answer (when it has one) is the time of the lookup, not of the
 *   original search.
 * - Bounded by entries (each answer is one page of hits: a few kilobytes).
 */
export class AnswerCache<V extends object> {
  private readonly map = new Map<string, V>();
  private readonly capacity: number;
  hits = 0;
  misses = 0;

  /** `capacity` answers at most (default 1000, TRA_ANSWER_CACHE; 0 turns the cache off). */
  constructor(capacity = Number(process.env.TRA_ANSWER_CACHE ?? 1000)) {
    this.capacity = capacity;
  }

  /** The cached answer for `key` or a fresh one from `compute` (kept if there is room for any). */
  get(key: string, compute: () => V): V {
    const t0 = performance.now();
    const found = this.map.get(key);
    if (found !== undefined) {
      this.hits++;
      // Most recently used goes last (Map keeps insertion order).
      this.map.delete(key);
      this.map.set(key, found);
      return 'took_ms' in found ? { ...found, took_ms: Math.round((performance.now() - t0) * 1000) / 1000 } : found;
    }
    this.misses++;
    const v = compute();
    if (this.capacity > 0) {
      this.map.set(key, v);
      if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
    }
    return v;
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}

/** A stable key for a request object (same fields in any order give the same key). */
export function requestKey(method: string, req: object): string {
  const entries = Object.entries(req).filter(([, v]) => v !== undefined);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return method + JSON.stringify(entries);
}

/** FNV-1a of a string: which worker a key goes to first. */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
