/**
 * Work that is the same for every reader, done once and kept for a short time (one per
 * FeedService; docs/FEEDS.md "Caching"):
 *
 *   rising matches  the posts in the post index's match set for each rising story's lead term,
 *                   per (stories, days, post index version): exact — a new post or a changed
 *                   author flag moves the version, so a kept answer is the one a new search
 *                   would give; kept a minute so the map stays small
 *   shared scores   for a feed whose candidates do not depend on the reader (no follows, no
 *                   "self"): the judged, scored candidates and their placement at clock `at`,
 *                   per (feed version, at), as long as the result cache keeps rankings (two
 *                   minutes); each reader's own hides are applied to it afterwards (rank.ts)
 *
 * An entry is made by the first request that needs it; requests arriving while it is made wait
 * for nothing (the work is synchronous), so there is no stampede to guard against.
 */
export interface SharedWorkOptions {
  /** Entries kept at most (default 64; the oldest leaves first). */
  size?: number;
  /** The clock (default Date.now). */
  clock?: () => number;
}

interface Entry {
  made: number;
  ttl: number;
  value: unknown;
}

export class SharedWork {
  private readonly map = new Map<string, Entry>();
  private readonly size: number;
  private readonly clock: () => number;
  /** Hits and misses since start (the bench prints them). */
  readonly stats = { hits: 0, misses: 0 };

  constructor(o: SharedWorkOptions = {}) {
    this.size = o.size ?? 64;
    this.clock = o.clock ?? Date.now;
  }

  /** The value kept under `key` if younger than `ttlMs`, else `make()` kept. */
  get<T>(key: string, ttlMs: number, make: () => T): T {
    const now = this.clock();
    const hit = this.map.get(key);
    if (hit && now - hit.made < hit.ttl) {
      this.stats.hits++;
      return hit.value as T;
    }
    this.stats.misses++;
    const value = make();
    this.map.delete(key);
    this.map.set(key, { made: now, ttl: ttlMs, value });
    while (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
    return value;
  }

  clear(): void {
    this.map.clear();
  }
}
