/**
 * The cluster's sources: feeds and sitemaps the fetchers read (table `sources`). Adding one also
 * puts its URL in the frontier as a `feed`, due now, in the same transaction; fetchers re-read
 * it on their schedule (`--feed-interval-ms`) and queue the articles it lists.
 */
import { withTransaction, type Pool, type Queryable } from '../pg/connect.ts';
import { addUrls, hostOf } from './hosts.ts';

export interface ClusterSource {
  url: string;
  name: string | null;
  added_at: Date;
  /** When the fetchers last read it (null: not yet). */
  fetched_at: Date | null;
  state: string | null;
}

/** Add `urls` as sources (known ones are left as they are); returns how many were new. */
export async function addSources(pool: Pool, urls: string[], opts: { name?: string; crawlDelayMs?: number } = {}): Promise<number> {
  for (const u of urls) hostOf(u);
  return withTransaction(pool, async (c) => {
    const sorted = [...new Set(urls)].sort();
    const r = await c.query('INSERT INTO sources (url, name) SELECT u, $2 FROM unnest($1::text[]) AS u ORDER BY u ON CONFLICT (url) DO NOTHING', [sorted, opts.name ?? null]);
    // A source already in the frontier as an article (a link met before) becomes a feed.
    await addUrls(c, sorted, { kind: 'feed', priority: 1, crawlDelayMs: opts.crawlDelayMs });
    await c.query("UPDATE urls SET kind = 'feed', next_fetch_at = least(next_fetch_at, now()) WHERE url = ANY($1::text[]) AND kind <> 'feed'", [sorted]);
    return r.rowCount ?? 0;
  });
}

export async function listClusterSources(q: Queryable): Promise<ClusterSource[]> {
  const { rows } = await q.query<ClusterSource>(
    'SELECT s.url, s.name, s.added_at, u.fetched_at, u.state FROM sources s LEFT JOIN urls u ON u.url = s.url ORDER BY s.url',
  );
  return rows;
}

/** Remove sources (their URLs are never read again; what they brought in is kept). */
export async function removeSources(pool: Pool, urls: string[]): Promise<number> {
  return withTransaction(pool, async (c) => {
    const r = await c.query('DELETE FROM sources WHERE url = ANY($1::text[])', [urls]);
    await c.query("UPDATE urls SET next_fetch_at = 'infinity' WHERE url = ANY($1::text[]) AND kind = 'feed'", [urls]);
    return r.rowCount ?? 0;
  });
}
