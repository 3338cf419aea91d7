/**
 * Hashtag search for /api/v2/search?type=hashtags: the tags public posts carry, matched on the
 * tag key (src/social/store/content.ts `tagKey`: marks written after the letters as Telex), so a
 * query typed without marks (`hoabinh`) finds `#HòaBình`, `#hoabinh` and `#HoaBinhXanh` (every
 * key starting with those letters), and one typed with marks only the tags with those marks.
 * The exact key first, then most used (uses counted over every post carrying the tag; a tag
 * no live public post carries is not listed), then by key. At most 200 keys are considered.
 */
import type { SocialStore } from '../store/index.ts';
import { tagKey } from '../store/content.ts';

export interface HashtagHit {
  /** The tag as most often written. */
  name: string;
  key: string;
  uses: number;
}

/** The upper bound of the keys that start with `prefix` (for a range scan of the primary key). */
function after(prefix: string): string {
  return prefix + '\uffff';
}

export function searchHashtags(store: SocialStore, q: string, limit: number, offset = 0): HashtagHit[] {
  const name = q.trim().replace(/^#/, '').split(/\s+/).join('');
  if (!name) return [];
  const key = tagKey(name);
  // Distinct keys in the range, a bounded number (a one-letter query must not count every tag),
  // then each one's uses through the primary key; a tag no public post carries is left out.
  const keys = store.db.all<{ tag: string }>('SELECT DISTINCT tag FROM status_tags WHERE tag >= ? AND tag < ? LIMIT 200', [key, after(key)]).map((r) => r.tag);
  const hits: HashtagHit[] = [];
  for (const k of keys) {
    const live = store.db.get(
      "SELECT 1 AS x FROM status_tags t JOIN statuses s ON s.id = t.status_id WHERE t.tag = ? AND s.deleted_at IS NULL AND s.visibility = 'public' LIMIT 1",
      [k],
    );
    if (!live) continue;
    const uses = store.db.get<{ n: number }>('SELECT count(*) AS n FROM status_tags WHERE tag = ?', [k])?.n ?? 0;
    hits.push({ name: k, key: k, uses: Number(uses) });
  }
  hits.sort((a, b) => Number(b.key === key) - Number(a.key === key) || b.uses - a.uses || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const page = hits.slice(offset, offset + limit);
  // The name as written most often (among the newest 500 uses).
  for (const h of page) {
    const names = store.db.all<{ name: string }>('SELECT name FROM status_tags WHERE tag = ? ORDER BY status_id DESC LIMIT 500', [h.key]);
    const n = new Map<string, number>();
    for (const r of names) n.set(r.name, (n.get(r.name) ?? 0) + 1);
    h.name = [...n.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? h.key;
  }
  return page;
}
