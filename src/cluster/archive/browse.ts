/**
 * A source's latest articles in cluster mode (`/nguon/:name`): what `Backend.browse` answers on
 * one machine from its catalogue (src/server/source-catalog.ts `latest`: the live documents of
 * those sources, newest `published` first, ties by id; title, url and published when strings).
 *
 * Here they are read from PostgreSQL: the current versions of documents not deleted, through
 * migration 8's `source` column and its index on (source, published_at), so one source's first
 * pages are an index scan however large the cluster. A body PostgreSQL cannot read as text (a
 * \u0000 escape) lists its id only. `total` is the source's count from the cached list of sources
 * (./sources.ts), as one machine's catalogue gives it. The source pages ask once for every
 * article of an outlet (its weekly counts and calendar, src/server/plugins/source-pages.ts, kept
 * until the count changes): tens of thousands of short rows read in index order; the statement
 * has its own timeout.
 */
import type { Pool } from '../pg/connect.ts';
import type { FacetValue, Hit, SearchResponse } from '../../server/backend.ts';

/** A body PostgreSQL cannot turn into text (a \\u0000 or lone surrogate escape): its fields are not read. */
const UNREADABLE_BODY = `v.body::text ~* '\\\\u(0000|d[89a-f])'`;

const field = (name: string) => `CASE WHEN ${UNREADABLE_BODY} THEN NULL WHEN json_typeof(v.body -> '${name}') = 'string' THEN v.body ->> '${name}' END AS ${name}`;

const BROWSE_SQL = `SELECT v.doc_id AS id, ${field('title')}, ${field('url')}, ${field('published')}
FROM document_versions v JOIN documents d ON d.id = v.doc_id
WHERE v.source = ANY($1::text[]) AND d.current_seq = v.seq AND NOT d.deleted
ORDER BY v.published_at DESC NULLS LAST, v.doc_id
LIMIT $2 OFFSET $3`;

export interface BrowseOptions {
  /** The statement's timeout, ms (default 30 s). */
  timeoutMs?: number;
}

/** `Backend.browse` over the cluster's PostgreSQL; `sources` gives the counts (the cached list). */
export function clusterBrowse(pool: Pool, sources: () => Promise<FacetValue[]>, o: BrowseOptions = {}) {
  const timeoutMs = o.timeoutMs ?? 30_000;
  return async (req: { sources?: string[]; limit: number; offset: number }): Promise<SearchResponse> => {
    const t0 = performance.now();
    const names = [...new Set((req.sources ?? []).filter((s) => s !== ''))];
    const counts = new Map((await sources()).map((v) => [v.value, v.count]));
    const total = names.reduce((n, s) => n + (counts.get(s) ?? 0), 0);
    const offset = Math.max(0, Math.floor(req.offset));
    const limit = Math.max(0, Math.floor(req.limit));
    let hits: Hit[] = [];
    if (names.length && limit) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN READ ONLY');
        await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
        const { rows } = await client.query<{ id: string; title: string | null; url: string | null; published: string | null }>(BROWSE_SQL, [names, limit, offset]);
        await client.query('COMMIT');
        hits = rows.map((r) => {
          const h: Hit = { id: r.id, score: 0 };
          if (r.title) h.title = r.title;
          if (r.url) h.url = r.url;
          if (r.published) h.published = r.published;
          return h;
        });
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    }
    return { total, took_ms: Math.round((performance.now() - t0) * 1000) / 1000, hits };
  };
}
